import { type Command, InvalidArgumentError } from 'commander';
import { RUN_DEFAULTS } from '../core/index.js';
import { findMatrixFiles } from '../matrix/index.js';
import { CLEAR_LINE, mutateConsoleText, painter, REPORTER_NAMES } from '../reports/index.js';
import type { CommandContext } from './context.js';
import { addFlags, type FlagSpec, positiveInt, PROVIDER_FLAGS, TIMEOUT_FLAGS } from './flags.js';
import { consoleStyle } from './io.js';
import { type ProviderFlags, type ResolvedProvider, resolveProviderFlags } from './provider-flags.js';
import { fileReporters } from './report-wiring.js';

interface MutateFlags extends ProviderFlags {
  out: string;
  reporter: string;
  workers: number;
  timeout: number;
  setupTimeout: number;
  failUnder?: number;
  isolateMutants: boolean;
  quiet: boolean;
}

/** The flags only `mutate` has, keyed by the MutateFlags property each fills. */
const MUTATE_FLAGS = {
  out: { flags: '--out <dir>', description: 'report directory (the baseline cells, and the Mutation section)', default: 'rls-mutation' },
  reporter: { flags: '--reporter <names>', description: `reports to write, comma-separated (${REPORTER_NAMES.join(', ')}, none)`, default: REPORTER_NAMES.join(',') },
  workers: {
    flags: '--workers <n>',
    description: 'mutants run at once (each worker runs its mutants in savepoints of its own copy of the database)',
    parse: positiveInt,
    default: RUN_DEFAULTS.workers,
  },
  ...TIMEOUT_FLAGS,
  failUnder: { flags: '--fail-under <percent>', description: 'exit 1 when the mutation score (killed / (killed + survived)) is below this', parse: percent },
  isolateMutants: { flags: '--isolate-mutants', description: 'run every mutant in a database copied for it alone instead of a savepoint (slower; same verdicts)', default: false },
  quiet: { flags: '--quiet', description: 'print only the surviving mutants and the score', default: false },
} as const satisfies Record<Exclude<keyof MutateFlags, keyof ProviderFlags>, FlagSpec>;

/** Adds `rls-matrix mutate [matrix]` to the program. */
export function registerMutateCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('mutate')
    .description(
      'matrix strength: mutate the live policies, RLS flags, policy helpers and grants one at a time and check the matrix notices; exit 0 done, 1 score under --fail-under, 2 bad input (or a matrix that fails unmutated), 3 infrastructure',
    )
    .argument('[matrix]', 'the matrix file, or a directory holding one (default: the current directory)');
  addFlags(command, PROVIDER_FLAGS);
  addFlags(command, MUTATE_FLAGS).action(async (target: string | undefined, flags: MutateFlags) => context.setExitCode(await mutateCommand(target, flags, context)));
}

async function mutateCommand(targetArg: string | undefined, flags: MutateFlags, { io, signal, onStarted, onCleanup }: CommandContext): Promise<number> {
  const { mutateMatrix } = await import('../mutate/index.js');
  const { color, progress } = consoleStyle(io, flags.quiet);
  const files = await findMatrixFiles(targetArg ? [targetArg] : []);
  // Someone else's database is refused by mutateMatrix before anything else, with its reason.
  const target: ResolvedProvider = flags.provider === 'url' || flags.url ? { provider: 'url', providerOptions: {} } : resolveProviderFlags(flags, io.env);
  const reporters = await fileReporters(flags.reporter, flags.out, undefined);
  onCleanup(reporters.abort);
  const { summary } = await mutateMatrix({
    matrices: files,
    ...target,
    providerOptions: { ...target.providerOptions, signal, onWarning: (message) => io.stderr(`rls-matrix: warning: ${message}\n`) },
    workers: flags.workers,
    isolateMutants: flags.isolateMutants,
    cellTimeoutMs: flags.timeout,
    setupTimeoutMs: flags.setupTimeout,
    ...(flags.failUnder !== undefined ? { failUnder: flags.failUnder } : {}),
    reporters: reporters.list,
    onStarted,
    onStage: (stage) => progress && io.stderr(`${CLEAR_LINE}${stage}…`),
    onMutant: (_result, done, total) => progress && io.stderr(`${CLEAR_LINE}mutants ${done}/${total}…`),
  }).finally(reporters.abort);
  if (progress) io.stderr(CLEAR_LINE);
  io.stdout(mutateConsoleText(summary.mutation, { quiet: flags.quiet, paint: painter(color) }));
  if (reporters.outDir && !flags.quiet) io.stdout(`     reports: ${reporters.outDir}/ (verify with: rls-matrix verify ${reporters.outDir})\n`);
  return summary.exitCode;
}

function percent(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('expected a percentage from 0 to 100');
  return n;
}
