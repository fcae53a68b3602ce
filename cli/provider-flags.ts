import { HarnessError } from '../core/index.js';
import { type ProviderName, type ProviderOptions, urlPassword } from '../database/index.js';

/** The `run` flags that choose and configure the provider. */
export interface ProviderFlags {
  provider?: ProviderName;
  url?: string;
  pgBin?: string;
  image?: string;
  /** true: --apply-migrations, false: --no-apply-migrations, undefined: neither. */
  applyMigrations?: boolean;
}

/** What runMatrix needs from those flags. */
export interface ResolvedProvider {
  provider: ProviderName;
  providerOptions: ProviderOptions;
  applyMigrations?: boolean;
}

/**
 * Turns the provider flags into run options. `--url` implies `--provider url`; DATABASE_URL is
 * read only with an explicit `--provider url` (a developer's DATABASE_URL must never turn a plain
 * `rls-matrix run` into a run against their database). A flag for another provider is refused
 * (exit 2) rather than silently ignored.
 */
export function resolveProviderFlags(flags: ProviderFlags, env: NodeJS.ProcessEnv): ResolvedProvider {
  const provider: ProviderName = flags.provider ?? (flags.url ? 'url' : 'embedded');
  const misplaced = (flag: string, owner: ProviderName) =>
    new HarnessError('ERR_PROVIDER_OPTIONS', `${flag} applies to --provider ${owner}, not --provider ${provider}: drop it or pass --provider ${owner}`);
  if (flags.url && provider !== 'url') throw misplaced('--url', 'url');
  if (flags.pgBin && provider !== 'system') throw misplaced('--pg-bin', 'system');
  if (flags.image && provider !== 'docker') throw misplaced('--image', 'docker');
  const url = provider === 'url' ? (flags.url ?? env.DATABASE_URL) : undefined;
  if (provider === 'url' && !url) {
    throw new HarnessError('ERR_PROVIDER_OPTIONS', '--provider url needs a database: pass --url postgres://user:password@host:port/database or set DATABASE_URL');
  }
  const providerOptions: ProviderOptions = {
    ...(url ? { url } : {}),
    ...(flags.pgBin ? { pgBin: flags.pgBin } : {}),
    ...(flags.image ? { image: flags.image } : {}),
  };
  return { provider, providerOptions, ...(flags.applyMigrations !== undefined ? { applyMigrations: flags.applyMigrations } : {}) };
}

/**
 * Secrets on the command line or in the environment, known before parsing, so that even an error
 * about the flags themselves never prints them: the passwords of `--url` and DATABASE_URL, and
 * PGPASSWORD (which node-postgres uses when a URL has no password).
 */
export function secretsInArgs(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const urls = argv.flatMap((arg, i) => (arg === '--url' ? [argv[i + 1]] : arg.startsWith('--url=') ? [arg.slice('--url='.length)] : []));
  return [...[...urls, env.DATABASE_URL].map(urlPassword), env.PGPASSWORD, env.RLS_MATRIX_JWT_SECRET].filter((s): s is string => Boolean(s));
}
