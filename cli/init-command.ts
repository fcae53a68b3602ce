import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { CLEAR_LINE, initConsoleText } from '../reports/index.js';
import type { CommandContext } from './context.js';
import { addFlags, type FlagSpec, PROVIDER_FLAGS } from './flags.js';
import { consoleStyle } from './io.js';
import { type ProviderFlags, resolveProviderFlags } from './provider-flags.js';

interface InitFlags extends ProviderFlags {
  migrations?: string;
  schemas?: string;
  force?: boolean;
}

/** The flags only `init` has, keyed by the InitFlags property each fills. */
const INIT_FLAGS = {
  migrations: { flags: '--migrations <path>', description: 'migrations (a .sql file or a folder) for a project without supabase/migrations' },
  schemas: { flags: '--schemas <list>', description: "schemas to cover, comma-separated (default: supabase/config.toml's exposed schemas, or public)" },
  force: { flags: '--force', description: 'replace an existing rls/rls-matrix.yaml' },
} as const satisfies Record<Exclude<keyof InitFlags, keyof ProviderFlags>, FlagSpec>;

/** Adds `rls-matrix init [dir]` to the program. */
export function registerInitCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('init')
    .description(
      "write rls/rls-matrix.yaml for a project (its supabase/ migrations, seed.sql and config.toml): personas, fixture rows, scopes from the policies' owner columns and membership helpers, and every verdict recorded from what the database does now, marked for review; exit 0, 2 bad input (or the file exists: --force), 3 infrastructure",
    )
    .argument('[dir]', "the project's folder, holding supabase/ (default: the current directory)");
  addFlags(command, PROVIDER_FLAGS);
  addFlags(command, INIT_FLAGS).action(async (dir: string | undefined, flags: InitFlags) => context.setExitCode(await initCommand(dir ?? '.', flags, context)));
}

async function initCommand(dir: string, flags: InitFlags, { io, signal, onStarted }: CommandContext): Promise<number> {
  const { initProject } = await import('../harness/index.js');
  const { progress } = consoleStyle(io, false);
  const provider = resolveProviderFlags(flags, io.env);
  // init starts the database several times (catalogue, each recording pass): a warning about the
  // project (config.toml's major_version) is the same each time, and printed once.
  const warned = new Set<string>();
  const onWarning = (message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    io.stderr(`rls-matrix: warning: ${message}\n`);
  };
  const outcome = await initProject({
    dir,
    ...(flags.migrations === undefined ? {} : { migrations: flags.migrations }),
    ...(flags.schemas === undefined
      ? {}
      : {
          schemas: flags.schemas
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }),
    ...(flags.force ? { force: true } : {}),
    ...provider,
    providerOptions: { ...provider.providerOptions, signal, onWarning },
    onStarted,
    onStage: (stage) => progress && io.stderr(`${CLEAR_LINE}${stage}…`),
  });
  if (progress) io.stderr(CLEAR_LINE);
  const target = `${relative(process.cwd(), join(outcome.file, '..')) || '.'}/`;
  io.stdout(initConsoleText({ ...outcome, target }));
  return 0;
}
