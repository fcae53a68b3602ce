import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { FixtureError } from '../fixtures/errors.js';
import { MatrixError, MatrixErrors } from '../matrix/errors.js';
import { findMatrixFiles } from '../matrix/load.js';
import { ReportError } from '../reports/errors.js';
import { HarnessError } from '../core/errors.js';
import { DEFAULT_DOCKER_IMAGE, PROVIDER_NAMES, type StartedDatabase } from '../database/providers/index.js';
import { EXECUTOR_NAMES, type ExecutorName } from '../harness/executor/executors.js';
import type { RunOptions } from '../harness/run.js';
import { toolVersion } from '../core/version.js';
import type { FailOn } from '../lint/index.js';
import { consoleReporter } from '../reports/console.js';
import { failOnOption, registerLintCommand } from './lint-command.js';
import { resolveProviderFlags, secretsInArgs, type ProviderFlags } from './provider-flags.js';
import { fileReporters, REPORTER_NAMES, verifyCommand } from './report-wiring.js';
import { CLEAR_LINE, terminalWriter } from './terminal.js';

/** How long a signal waits for the interrupted command to clean up before the process exits anyway. */
const COMMAND_GRACE_MS = 15_000;

/** Exit codes (DESIGN §6). */
export const EXIT = { pass: 0, mismatch: 1, badInput: 2, infrastructure: 3 } as const;

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

const defaultIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
};

/** Parses argv, runs the command and returns the exit code; the only caller of process.exit is bin/. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  // Every line printed is redacted (URL passwords and key=value secrets by form, known secrets such
  // as the --url password and started servers' passwords wherever they appear) and has its control
  // characters spelled out: see terminalWriter.
  const secrets = secretsInArgs(argv, io.env);
  io = { ...io, stdout: terminalWriter(io.stdout, secrets), stderr: terminalWriter(io.stderr, secrets) };
  let exitCode: number = EXIT.pass;
  const started: StartedDatabase[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  // A signal stops every started server and decides the exit code; whatever the interrupted run
  // then fails with (a lost connection, most often) is a consequence, not news. A server still
  // starting (initdb, a template copy) is stopped through the abort signal, and the command is
  // waited for, so that it has removed what it wrote before the process exits.
  let interruption: Promise<number> | undefined;
  const aborter = new AbortController();
  let command: Promise<unknown> | undefined;
  // What a signal stops, in the words of the command that is running.
  let stopping = 'stopping PostgreSQL and removing its files…';
  const onSignal = (signal: NodeJS.Signals, code: number) => () => {
    if (interruption) return;
    io.stderr(`\nrls-matrix: ${signal}, ${stopping}\n`);
    aborter.abort();
    // Bounded: a command stuck on something no signal reaches must not keep the process alive.
    const commandEnded = command && Promise.race([command.catch(() => undefined), sleep(COMMAND_GRACE_MS, undefined, { ref: false })]);
    interruption = Promise.allSettled([...started.map((db) => db.stop()), ...cleanups.map((cleanup) => cleanup()), commandEnded]).then(() => code);
    signalled(interruption);
  };
  let signalled: (p: Promise<number>) => void = () => undefined;
  const interrupted = new Promise<number>((resolve) => (signalled = (p) => void p.then(resolve)));
  const onSigint = onSignal('SIGINT', 130);
  const onSigterm = onSignal('SIGTERM', 143);
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);

  const program = new Command('rls-matrix')
    .description('Test PostgreSQL / Supabase Row-Level Security with an allow/deny matrix, run exactly as PostgREST would.')
    .version(toolVersion())
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command('run')
    .description('run matrices; exit 0 pass, 1 mismatch, 2 bad input, 3 infrastructure')
    .argument('[targets...]', 'matrix files or directories (default: the current directory)')
    .addOption(new Option('--provider <name>', 'where PostgreSQL comes from (default: embedded, or url with --url)').choices(PROVIDER_NAMES))
    .option('--url <url>', 'the existing database --provider url runs against, in one transaction that is always rolled back (default: DATABASE_URL)')
    .option('--pg-bin <dir>', '--provider system: the directory holding initdb and postgres (default: found on PATH)')
    .option('--image <image>', `--provider docker: postgres:<version> or supabase/postgres:<tag> (default: ${DEFAULT_DOCKER_IMAGE})`)
    .option('--apply-migrations', "--provider url: apply the matrix's migrations inside the rolled-back transaction (a candidate under review)")
    .option('--no-apply-migrations', "--provider url: the database already has the matrix's migrations; skip them")
    .option('--out <dir>', 'report directory', 'rls-report')
    .option('--reporter <names>', `reports to write, comma-separated (${REPORTER_NAMES.join(', ')}, none)`, REPORTER_NAMES.join(','))
    .option('--workers <n>', 'connections running cells in parallel', positiveInt, 4)
    .option('--filter <text...>', 'run only cells whose id (table/persona/operation/scope) contains one of these')
    .option('--timeout <ms>', 'cancel a cell after this long and report it as an error', positiveInt, 5000)
    .option('--setup-timeout <ms>', 'stop the run (exit 3) when one setup statement (migration, fixture, scope or row value) runs longer than this', positiveInt, 120_000)
    .option('--sign-key <file>', 'sign the manifest with this Ed25519 private key (PEM or JWK)')
    .option('--quiet', 'print only mismatches and the summary', false)
    .addOption(new Option('--executor <name>', 'sql: each cell in a savepoint, shaped as PostgREST shapes the request (fastest); postgrest: each cell as a supabase-js call to the real PostgREST').choices(EXECUTOR_NAMES).default('sql'))
    .option('--cross-check', 'run every cell with both executors; any disagreement fails the run (a fidelity mismatch)', false)
    .option('--api-url <url>', "--provider url: your project's PostgREST (e.g. https://<ref>.supabase.co/rest/v1), for --executor postgrest or --cross-check; RLS_MATRIX_JWT_SECRET must hold its JWT secret")
    .option('--anon-key <key>', '--provider url: the anon key of that PostgREST')
    .addOption(failOnOption())
    .action(async (targets: string[], flags: RunFlags) => {
      exitCode = await runCommand(targets, flags, io, aborter.signal, (db) => (started.push(db), secrets.push(db.connection.password)), (cleanup) => cleanups.push(cleanup));
    });

  registerLintCommand(program, { io, signal: aborter.signal, onStarted: (db) => (started.push(db), secrets.push(db.connection.password)), setExitCode: (code) => (exitCode = code) });

  program
    .command('verify')
    .description("check an archived report's manifest (hashes of every artifact and source) and signature")
    .argument('<dir>', 'report directory')
    .option('--key <file>', 'Ed25519 public key (PEM or JWK) to check the signature with')
    .action(async (dir: string, flags: { key?: string }) => {
      stopping = 'verify stopped before it finished (it changes nothing)';
      exitCode = await verifyCommand(dir, flags, io);
    });

  const finished = (async () => {
    try {
      command = program.parseAsync(argv as string[]);
      await command;
    } catch (error) {
      if (!interruption) exitCode = reportError(error, io);
    }
    return interruption ? await interruption : exitCode;
  })();
  try {
    return await Promise.race([finished, interrupted]);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

interface RunFlags extends ProviderFlags {
  out: string;
  reporter: string;
  workers: number;
  filter?: string[];
  timeout: number;
  setupTimeout: number;
  signKey?: string;
  quiet: boolean;
  failOn?: FailOn;
  executor: ExecutorName;
  crossCheck: boolean;
  apiUrl?: string;
  anonKey?: string;
}

async function runCommand(
  targets: string[],
  flags: RunFlags,
  io: Io,
  signal: AbortSignal,
  onStarted: (db: StartedDatabase) => void,
  onCleanup: (cleanup: () => Promise<unknown>) => void,
): Promise<number> {
  const { runMatrix } = await import('../harness/run.js');
  const color = io.isTTY && !io.env.NO_COLOR;
  const progress = io.isTTY && !io.env.CI && !flags.quiet;
  const consoleOut = consoleReporter({ write: io.stdout, writeProgress: io.stderr, color, quiet: flags.quiet, progress });
  const files = await findMatrixFiles(targets);
  const target = resolveProviderFlags(flags, io.env);
  const reporters = await fileReporters(flags.reporter, flags.out, flags.signKey);
  onCleanup(reporters.abort);
  // Through `finally`, a run that fails leaves no report and frees --out (a no-op once the report is written).
  const { summary } = await runMatrix({
    matrices: files,
    provider: target.provider,
    providerOptions: { ...target.providerOptions, signal, onWarning: (message) => io.stderr(`rls-matrix: warning: ${message}\n`) },
    ...(target.applyMigrations !== undefined ? { applyMigrations: target.applyMigrations } : {}),
    workers: flags.workers,
    cellTimeoutMs: flags.timeout,
    setupTimeoutMs: flags.setupTimeout,
    ...(flags.filter ? { filter: flags.filter } : {}),
    ...(flags.failOn ? { failOn: flags.failOn } : {}),
    ...apiOptions(flags, target.provider, io.env),
    reporters: [consoleOut, ...reporters.list],
    onStarted,
    onStage: (stage) => progress && io.stderr(`${CLEAR_LINE}${stage}…`),
    onProgress: (done, total) => consoleOut.progress(done, total),
  }).finally(reporters.abort);
  if (reporters.outDir && !flags.quiet) io.stdout(`     reports: ${reporters.outDir}/ (verify with: rls-matrix verify ${reporters.outDir})\n`);
  return summary.exitCode;
}

/** The executor flags as run options; --api-url and --anon-key only with --provider url, together, and with the JWT secret. */
function apiOptions(flags: RunFlags, provider: string, env: NodeJS.ProcessEnv): Pick<RunOptions, 'executor' | 'crossCheck' | 'api' | 'jwtSecret'> {
  const options = { executor: flags.executor, crossCheck: flags.crossCheck };
  if (!flags.apiUrl && !flags.anonKey) return options;
  if (provider !== 'url') throw new HarnessError('ERR_PROVIDER_OPTIONS', '--api-url and --anon-key name the PostgREST of an existing database: use them with --provider url (a started database gets a PostgREST of its own)');
  if (!flags.apiUrl || !flags.anonKey) throw new HarnessError('ERR_PROVIDER_OPTIONS', '--api-url and --anon-key go together: the URL of your PostgREST and its anon key');
  if (flags.executor !== 'postgrest' && !flags.crossCheck) throw new HarnessError('ERR_PROVIDER_OPTIONS', '--api-url is used by --executor postgrest or --cross-check: add one of them');
  const jwtSecret = env.RLS_MATRIX_JWT_SECRET;
  if (!jwtSecret) throw new HarnessError('ERR_PROVIDER_OPTIONS', "--api-url needs the project's JWT secret in RLS_MATRIX_JWT_SECRET: the personas' tokens must verify at that server");
  return { ...options, api: { url: flags.apiUrl, anonKey: flags.anonKey }, jwtSecret };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Prints an error the user can act on and maps it to an exit code; stack traces only with RLS_MATRIX_DEBUG. */
export function reportError(error: unknown, io: Io): number {
  io = { ...io, stderr: terminalWriter(io.stderr, []) };
  const commanderCode = (error as { code?: string }).code;
  if (commanderCode?.startsWith('commander.')) {
    if (commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version' || commanderCode === 'commander.help') return EXIT.pass;
    return EXIT.badInput;
  }
  if (io.env.RLS_MATRIX_DEBUG) io.stderr(`${(error as Error).stack}\n`);
  if (error instanceof MatrixErrors) {
    io.stderr(`rls-matrix: the matrix has ${error.errors.length} problem${error.errors.length > 1 ? 's' : ''}:\n${error.errors.map((e) => `  ${e.message}`).join('\n')}\n`);
    return EXIT.badInput;
  }
  if (error instanceof MatrixError || error instanceof FixtureError) {
    io.stderr(`rls-matrix: ${error.message}\n`);
    return EXIT.badInput;
  }
  if (error instanceof ReportError) {
    io.stderr(`rls-matrix: ${error.message}\n`);
    return error.code === 'ERR_REPORT_KEY' || error.code === 'ERR_REPORT_UNKNOWN_REPORTER' || error.code === 'ERR_REPORT_FOLDER' ? EXIT.badInput : EXIT.infrastructure;
  }
  if (error instanceof HarnessError) {
    io.stderr(`rls-matrix: ${error.message}\n`);
    return error.exitCode;
  }
  io.stderr(`rls-matrix: unexpected failure: ${(error as Error)?.message ?? String(error)}\n  (set RLS_MATRIX_DEBUG=1 for the stack trace, and please report it)\n`);
  return EXIT.infrastructure;
}
