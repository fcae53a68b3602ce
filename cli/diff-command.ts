import { stat, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { type CellDiff, DIFF_FAIL_ON_CHOICES, type DiffFailOn, failingChanges, HarnessError } from '../core/index.js';
import type { CommandContext } from './context.js';
import { addFlags, type FlagSpec } from './flags.js';
import { consoleStyle } from './io.js';

interface DiffFlags {
  /** Parsed when given; commander passes the default as written. */
  failOn: DiffFailOn[] | string;
  markdown?: string;
  json?: string;
  key?: string;
  anyMatrix: boolean;
}

const DIFF_FLAGS = {
  failOn: {
    flags: '--fail-on <kinds>',
    description: `exit 1 when a cell changed in one of these ways, comma-separated (${DIFF_FAIL_ON_CHOICES.join(', ')})`,
    default: 'widened',
    parse: parseFailOn,
  },
  markdown: { flags: '--markdown <file>', description: 'also write the diff as Markdown (a pull-request comment, a CI step summary) to this file' },
  json: { flags: '--json <file>', description: 'also write the diff as JSON to this file (- for stdout, instead of the console text)' },
  key: { flags: '--key <file>', description: "Ed25519 public key (PEM or JWK) both reports' manifests must be signed with" },
  anyMatrix: { flags: '--any-matrix', description: 'compare runs of matrices with different names', default: false },
} as const satisfies Record<keyof DiffFlags, FlagSpec>;

/** Adds `rls-matrix diff <before> <after>`: 0 nothing at --fail-on, 1 a cell changed that way, 2 bad input. */
export function registerDiffCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('diff')
    .description(
      "compare two runs (report folders or their results.json: two commits, staging and production, two PostgreSQL majors) or two matrix files (a pull request's expectations), cell by cell; exit 0 nothing at --fail-on, 1 a cell changed that way, 2 bad input",
    )
    .argument('<before>', 'the earlier report folder (or its results.json), or matrix file')
    .argument('<after>', 'the later report folder (or its results.json), or matrix file');
  addFlags(command, DIFF_FLAGS).action(async (before: string, after: string, flags: DiffFlags) => context.setExitCode(await diffCommand(before, after, flags, context)));
}

async function diffCommand(before: string, after: string, flags: DiffFlags, { io, setStopping }: CommandContext): Promise<number> {
  setStopping('diff stopped before it finished (it changes nothing)');
  const failOn = typeof flags.failOn === 'string' ? parseFailOn(flags.failOn) : flags.failOn;
  const [kindA, kindB] = [await inputKind(before), await inputKind(after)];
  if (kindA !== kindB) {
    throw new HarnessError('ERR_USAGE', `${before} is a ${kindA} and ${after} a ${kindB}: diff compares two reports (folders or results.json) or two matrix files`);
  }
  let diff: CellDiff;
  if (kindA === 'matrix file') {
    const { diffMatrices } = await import('../matrix/index.js');
    diff = await diffMatrices(before, after);
  } else {
    const { diffReports } = await import('../reports/index.js');
    diff = await diffReports(before, after, { ...(flags.key === undefined ? {} : { publicKey: flags.key }), anyMatrix: flags.anyMatrix });
  }
  const { diffConsoleText, diffMarkdown, jsonWithoutControls, painter } = await import('../reports/index.js');
  const failing = failingChanges(diff, failOn);
  const json = `${jsonWithoutControls(JSON.stringify({ failOn, failing, ...diff }, null, 2))}\n`;
  if (flags.json === '-') io.stdout(json);
  else io.stdout(diffConsoleText(diff, { failOn, paint: painter(consoleStyle(io, false).color) }));
  if (flags.json !== undefined && flags.json !== '-') await writeOutput(flags.json, json);
  if (flags.markdown !== undefined) await writeOutput(flags.markdown, diffMarkdown(diff, { failOn }));
  return failing > 0 ? 1 : 0;
}

const MATRIX_EXTENSIONS = new Set(['.yaml', '.yml', '.ts', '.mts']);

/** A folder or a .json is a report; a .yaml or .ts file a matrix (even a missing one: loading it then says so). */
async function inputKind(given: string): Promise<'report' | 'matrix file'> {
  const info = await stat(given).catch(() => undefined);
  return !info?.isDirectory() && MATRIX_EXTENSIONS.has(extname(given).toLowerCase()) ? 'matrix file' : 'report';
}

async function writeOutput(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (error) {
    throw new HarnessError('ERR_USAGE', `cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** `widened,errors` → the kinds, each checked; `none` stands alone. */
function parseFailOn(value: string): DiffFailOn[] {
  const kinds = value.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !(DIFF_FAIL_ON_CHOICES as readonly string[]).includes(k));
  if (unknown.length) throw new InvalidArgumentError(`unknown kind ${unknown.join(', ')} (choose from ${DIFF_FAIL_ON_CHOICES.join(', ')})`);
  if (kinds.includes('none') && kinds.length > 1) throw new InvalidArgumentError('none stands alone');
  return kinds as DiffFailOn[];
}
