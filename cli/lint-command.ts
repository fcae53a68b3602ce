import { Option, type Command } from 'commander';
import { findMatrixFiles } from '../matrix/load.js';
import { jsonWithoutControls } from '../reports/format.js';
import type { FailOn } from '../lint/index.js';
import { DEFAULT_DOCKER_IMAGE, PROVIDER_NAMES, type StartedDatabase } from '../database/providers/index.js';
import { findingGroups, lintCounts, where } from '../reports/console-lint.js';
import { CLEAR_LINE, painter } from './terminal.js';
import { resolveProviderFlags, type ProviderFlags } from './provider-flags.js';

/** The severities `--fail-on` takes: the least severe finding that fails, or none. */
export const FAIL_ON_CHOICES = ['error', 'warn', 'info', 'none'] as const satisfies readonly FailOn[];

/**
 * `--fail-on <severity>`, shared by `run` (default: none, lints are informational) and `lint`
 * (default: error).
 */
export function failOnOption(defaultValue?: FailOn): Option {
  const option = new Option('--fail-on <severity>', 'exit 1 when an unwaived lint finding is at or above this severity').choices(FAIL_ON_CHOICES);
  return defaultValue ? option.default(defaultValue) : option;
}

interface LintIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export interface LintCommandContext {
  io: LintIo;
  /** Aborted on Ctrl-C/SIGTERM: stops a server that is still starting. */
  signal: AbortSignal;
  /** Registers a started server, so a signal stops it (and its password is redacted). */
  onStarted: (database: StartedDatabase) => void;
  setExitCode: (code: number) => void;
}

interface LintFlags extends ProviderFlags {
  failOn: FailOn;
  json: boolean;
  quiet: boolean;
}

/** Adds `rls-matrix lint [targets...]` to the program. */
export function registerLintCommand(program: Command, context: LintCommandContext): void {
  program
    .command('lint')
    .description('static checks of the schema after migrations (RLS off, always-true policies, SECURITY DEFINER…); exit 0 clean, 1 findings at --fail-on, 2 bad input, 3 infrastructure')
    .argument('[targets...]', 'matrix files or directories (default: the current directory)')
    .addOption(new Option('--provider <name>', 'where PostgreSQL comes from (default: embedded, or url with --url)').choices(PROVIDER_NAMES))
    .option('--url <url>', 'lint an existing database, in one transaction that is always rolled back (default: DATABASE_URL with --provider url)')
    .option('--pg-bin <dir>', '--provider system: the directory holding initdb and postgres')
    .option('--image <image>', `--provider docker: the image to run (default: ${DEFAULT_DOCKER_IMAGE})`)
    .option('--apply-migrations', "--provider url: apply the matrix's migrations inside the rolled-back transaction")
    .option('--no-apply-migrations', "--provider url: the database already has the matrix's migrations")
    .addOption(failOnOption('error'))
    .option('--json', 'print the findings as JSON', false)
    .option('--quiet', 'print only the findings that fail (--fail-on) and the summary', false)
    .action(async (targets: string[], flags: LintFlags) => context.setExitCode(await lintCommand(targets, flags, context)));
}

async function lintCommand(targets: string[], flags: LintFlags, { io, signal, onStarted }: LintCommandContext): Promise<number> {
  const { lintMatrices } = await import('../lint/lint-matrices.js');
  const { failingFindings, LINTS } = await import('../lint/index.js');
  const color = io.isTTY && !io.env.NO_COLOR;
  const paint = painter(color);
  const progress = io.isTTY && !io.env.CI && !flags.quiet && !flags.json;
  const files = await findMatrixFiles(targets);
  const target = resolveProviderFlags(flags, io.env);
  const outcome = await lintMatrices({
    matrices: files,
    provider: target.provider,
    providerOptions: { ...target.providerOptions, signal, onWarning: (message) => io.stderr(`rls-matrix: warning: ${message}\n`) },
    ...(target.applyMigrations !== undefined ? { applyMigrations: target.applyMigrations } : {}),
    onStarted,
    onStage: (stage) => progress && io.stderr(`${CLEAR_LINE}${stage}…`),
  });
  if (progress) io.stderr(CLEAR_LINE);
  const failing = failingFindings(outcome.findings, flags.failOn);

  if (flags.json) {
    // Control and bidi characters as JSON escapes: the same data, and nothing for the terminal writer to spell.
    io.stdout(`${jsonWithoutControls(JSON.stringify({ failOn: flags.failOn, failing: failing.length, findings: outcome.findings, unusedWaivers: outcome.unusedWaivers }, null, 2))}\n`);
    return failing.length ? 1 : 0;
  }

  if (!flags.quiet) {
    io.stdout(`${paint(1, 'rls-matrix lint')} · ${outcome.matrixName} · ${outcome.provider} PostgreSQL ${outcome.postgresVersion} · ${Object.keys(LINTS).length} lints\n`);
  }
  // Waived findings are shown with their reason (never dropped), except with --quiet.
  const titles = Object.fromEntries(Object.entries(LINTS).map(([id, rule]) => [id, rule.title]));
  io.stdout(findingGroups(flags.quiet ? failing : outcome.findings, titles, paint));
  for (const waiver of outcome.unusedWaivers) {
    io.stdout(`${paint(2, '~ unused')}  waiver for ${waiver.lint} on ${waiver.object} at ${where(waiver.source)} matches no finding (remove it?)\n`);
  }
  const verdict = failing.length ? paint(31, 'FAIL') : paint(32, 'PASS');
  const threshold = flags.failOn === 'none' ? 'findings are informational (--fail-on none)' : `${failing.length} at or above --fail-on ${flags.failOn}`;
  io.stdout(`${verdict} lint: ${lintCounts(outcome.findings)} · ${threshold}\n`);
  return failing.length ? 1 : 0;
}
