import type { Command } from 'commander';
import { HarnessError } from '../core/index.js';
import { consoleReporter, REPORTER_NAMES } from '../reports/index.js';
import type { CommandContext } from './context.js';
import { addFlags, type FlagSpec } from './flags.js';
import { consoleStyle } from './io.js';
import { reporterNames } from './report-wiring.js';

interface MergeFlags {
  out: string;
  reporter: string;
  signKey?: string;
  key?: string;
  quiet: boolean;
}

/** The flags of `merge`, keyed by the MergeFlags property each fills. */
const MERGE_FLAGS = {
  out: { flags: '--out <dir>', description: "the merged report's directory (not one of the shards')", default: 'rls-report' },
  reporter: { flags: '--reporter <names>', description: `reports to write, comma-separated (${REPORTER_NAMES.join(', ')})`, default: REPORTER_NAMES.join(',') },
  signKey: { flags: '--sign-key <file>', description: 'sign the merged manifest with this Ed25519 private key (PEM or JWK)' },
  key: { flags: '--key <file>', description: "Ed25519 public key (PEM or JWK) every shard's manifest must be signed with" },
  quiet: { flags: '--quiet', description: 'print only mismatches and the summary', default: false },
} as const satisfies Record<keyof MergeFlags, FlagSpec>;

/** Adds `rls-matrix merge <dirs...>`: exit 0 pass, 1 mismatch (as the whole run), 2 shards that do not make one run. */
export function registerMergeCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('merge')
    .description("combine the reports of every shard of a run (run --shard i/n) into the whole run's report; exit 0 pass, 1 mismatch, 2 bad input")
    .argument('<dirs...>', "the shards' report directories");
  addFlags(command, MERGE_FLAGS).action(async (dirs: string[], flags: MergeFlags) => context.setExitCode(await mergeCommand(dirs, flags, context)));
}

async function mergeCommand(dirs: string[], flags: MergeFlags, { io, setStopping }: CommandContext): Promise<number> {
  setStopping('merge stopped before it finished (the merged report was not written)');
  const reporters = reporterNames(flags.reporter);
  if (!reporters.length) throw new HarnessError('ERR_USAGE', '--reporter none: a merge exists to write the merged report; name at least one format');
  const { mergeReports } = await import('../reports/index.js');
  const { color } = consoleStyle(io, flags.quiet);
  // The merged cells reach the console as a run's would: the mismatches, then the summary.
  const consoleOut = consoleReporter({ write: io.stdout, color, quiet: flags.quiet, progress: false });
  const outcome = await mergeReports(dirs, {
    outDir: flags.out,
    reporters,
    cwd: process.cwd(),
    extra: [consoleOut],
    ...(flags.signKey ? { signKey: flags.signKey } : {}),
    ...(flags.key ? { publicKey: flags.key } : {}),
  });
  const parts = outcome.shards.map((s) => `${s.index}/${s.count}: ${s.cells}`).join(', ');
  if (!flags.quiet) io.stdout(`     merged ${outcome.shards.length} shards (cells ${parts}) into ${flags.out}/ (verify with: rls-matrix verify ${flags.out})\n`);
  return outcome.summary.exitCode;
}
