import type { Command } from 'commander';
import { failingFindings, type FailOn } from '../core/index.js';
import { findMatrixFiles } from '../matrix/index.js';
import { CLEAR_LINE, jsonWithoutControls, lintConsoleText, painter } from '../reports/index.js';
import type { CommandContext } from './context.js';
import { addFlags, failOnFlag, type FlagSpec, PROVIDER_FLAGS, TARGETS_HELP } from './flags.js';
import { consoleStyle } from './io.js';
import { type ProviderFlags, resolveProviderFlags } from './provider-flags.js';

interface LintFlags extends ProviderFlags {
  failOn: FailOn;
  json: boolean;
  quiet: boolean;
}

/** The flags only `lint` has, keyed by the LintFlags property each fills. */
const LINT_FLAGS = {
  failOn: failOnFlag('error'),
  json: { flags: '--json', description: 'print the findings as JSON', default: false },
  quiet: { flags: '--quiet', description: 'print only the findings that fail (--fail-on) and the summary', default: false },
} as const satisfies Record<Exclude<keyof LintFlags, keyof ProviderFlags>, FlagSpec>;

/** Adds `rls-matrix lint [targets...]` to the program. */
export function registerLintCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('lint')
    .description('static checks of the schema after migrations (RLS off, always-true policies, SECURITY DEFINER…); exit 0 clean, 1 findings at --fail-on, 2 bad input, 3 infrastructure')
    .argument('[targets...]', TARGETS_HELP);
  addFlags(command, PROVIDER_FLAGS);
  addFlags(command, LINT_FLAGS).action(async (targets: string[], flags: LintFlags) => context.setExitCode(await lintCommand(targets, flags, context)));
}

async function lintCommand(targets: string[], flags: LintFlags, { io, signal, onStarted }: CommandContext): Promise<number> {
  const { lintMatrices, LINTS } = await import('../lint/index.js');
  const { color, progress } = consoleStyle(io, flags.quiet || flags.json);
  const files = await findMatrixFiles(targets);
  const target = resolveProviderFlags(flags, io.env);
  const outcome = await lintMatrices({
    matrices: files,
    ...target,
    providerOptions: { ...target.providerOptions, signal, onWarning: (message) => io.stderr(`rls-matrix: warning: ${message}\n`) },
    onStarted,
    onStage: (stage) => progress && io.stderr(`${CLEAR_LINE}${stage}…`),
  });
  if (progress) io.stderr(CLEAR_LINE);
  const failing = failingFindings(outcome.findings, flags.failOn).length;
  if (flags.json) {
    // Control and bidi characters as JSON escapes: the same data, and nothing for the terminal writer to spell.
    io.stdout(`${jsonWithoutControls(JSON.stringify({ failOn: flags.failOn, failing, findings: outcome.findings, unusedWaivers: outcome.unusedWaivers }, null, 2))}\n`);
  } else {
    const titles = Object.fromEntries(Object.entries(LINTS).map(([id, rule]) => [id, rule.title]));
    io.stdout(lintConsoleText(outcome, { failOn: flags.failOn, quiet: flags.quiet, titles, paint: painter(color) }));
  }
  return failing ? 1 : 0;
}
