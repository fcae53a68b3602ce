import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { HarnessError } from '../core/index.js';
import { findMatrixFiles } from '../matrix/index.js';
import { CLEAR_LINE, recordConsoleText } from '../reports/index.js';
import type { CommandContext } from './context.js';
import { addFlags, type FlagSpec, PROVIDER_FLAGS } from './flags.js';
import { consoleStyle } from './io.js';
import { type ProviderFlags, resolveProviderFlags } from './provider-flags.js';

interface RecordFlags extends ProviderFlags {
  write?: string;
}

/** The flags only `record` has, keyed by the RecordFlags property each fills. */
const RECORD_FLAGS = {
  write: { flags: '--write <file>', description: 'write the recorded matrix to this file instead of changing the matrix in place' },
} as const satisfies Record<Exclude<keyof RecordFlags, keyof ProviderFlags>, FlagSpec>;

/** Adds `rls-matrix record [target]` to the program. */
export function registerRecordCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('record')
    .description('run a YAML matrix and write what the database does now into the cells it leaves unstated, marked for review (comments and order kept); exit 0, 2 bad input, 3 infrastructure')
    .argument('[target]', 'a matrix file or a directory holding rls-matrix.yaml (default: the current directory)');
  addFlags(command, PROVIDER_FLAGS);
  addFlags(command, RECORD_FLAGS).action(async (target: string | undefined, flags: RecordFlags) => context.setExitCode(await recordCommand(target, flags, context)));
}

async function recordCommand(target: string | undefined, flags: RecordFlags, { io, signal, onStarted }: CommandContext): Promise<number> {
  const { recordMatrix } = await import('../harness/index.js');
  const { progress } = consoleStyle(io, false);
  const file = await oneYamlMatrix(target);
  const provider = resolveProviderFlags(flags, io.env);
  const outcome = await recordMatrix({
    matrix: file,
    ...provider,
    providerOptions: { ...provider.providerOptions, signal, onWarning: (message) => io.stderr(`rls-matrix: warning: ${message}\n`) },
    onStarted,
    onStage: (stage) => progress && io.stderr(`${CLEAR_LINE}${stage}…`),
  });
  if (progress) io.stderr(CLEAR_LINE);
  const destination = flags.write ?? file;
  await writeFile(destination, outcome.text);
  io.stdout(recordConsoleText({ file: destination, recorded: outcome.recorded, unrecorded: outcome.unrecorded }));
  return 0;
}

/** The one YAML matrix `record` writes into: a TypeScript matrix is code, which it does not rewrite. */
async function oneYamlMatrix(target: string | undefined): Promise<string> {
  const files = await findMatrixFiles(target ? [target] : []);
  if (files.length !== 1) throw new HarnessError('ERR_USAGE', `record writes into one matrix, and ${target ?? 'this directory'} holds ${files.length}: name the file`);
  const [file] = files as [string];
  if (!/\.ya?ml$/.test(file)) throw new HarnessError('ERR_USAGE', `record rewrites YAML matrices only, and ${file} is TypeScript: record into a YAML copy, or state the cells by hand`);
  return file;
}
