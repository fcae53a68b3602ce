import { type LoadedMatrix, loadMatrix } from '../matrix/index.js';
import { diskFullError } from './disk-full.js';
import { type ProviderName, resolveProvider } from './providers/index.js';
import type { Provider, ProviderOptions, StartedDatabase } from './providers/types.js';
import { installSupabaseShim } from './shim/install.js';
import { assertSafeForTransaction } from './url-guards.js';
import { openWorkspace, type Workspace } from './workspace.js';

/**
 * The preparation every command that needs a database shares (`run` and `lint`): the server starts
 * while the matrices load, someone else's database is guarded before anything runs there, and each
 * matrix gets a workspace with the Supabase shim and its migrations.
 */

export interface StartOptions {
  /** Matrix files (see `findMatrixFiles` for directories). */
  matrices: readonly string[];
  /** @default 'embedded' */
  provider?: ProviderName | Provider;
  /** Passed to `provider.start()`: --pg-bin, --image, --url, warnings, server log lines, the abort signal. */
  providerOptions?: ProviderOptions;
  /**
   * Apply the matrices' migrations. On a server we start, undefined means true. On an existing
   * database (`url`, transaction isolation) it must be decided: undefined with migrations in a
   * matrix is refused (ERR_MIGRATIONS_NEED_FLAG), since the target may already have them.
   */
  applyMigrations?: boolean;
  /** Setup stages, for a console; never prints itself. */
  onStage?: (stage: string) => void;
  /** Called with the started database so a caller can stop it on a signal. */
  onStarted?: (database: StartedDatabase) => void;
  /**
   * On a server of our own (database isolation): open the first matrix's workspace under this label
   * as soon as the server is up, while the matrices load (a connection, a database, a connection to
   * it: ~0.1 s of a short run); `StartedRun.takeFirstWorkspace()` hands it over.
   */
  firstWorkspaceLabel?: string;
  /** Longest one setup statement may run (the first workspace's bound). */
  setupTimeoutMs?: number;
}

/** A started database, the matrices loaded, and servers started beside it (PostgREST) stopping with it. */
export interface StartedRun {
  provider: Provider;
  database: StartedDatabase;
  matrices: LoadedMatrix[];
  /** Registers a server started beside the database: `database.stop()` stops it too, on a signal as well. */
  addSidecar(stop: () => Promise<void>): void;
  /** The workspace opened early (`firstWorkspaceLabel`), once; undefined when there is none or it was taken. */
  takeFirstWorkspace(): Promise<Workspace> | undefined;
}

/**
 * Starts the provider while the matrices load (both take a while, and neither needs the other);
 * whichever fails first is reported at once, and a server already started is stopped. On someone
 * else's database, refuses what could commit there before anything runs (`assertSafeForTransaction`).
 * The caller runs its work through `usingDatabase`, which stops the server.
 */
export async function startProvider(options: StartOptions, onProviderStarted?: () => void): Promise<StartedRun> {
  const provider = typeof options.provider === 'object' ? options.provider : await resolveProvider(options.provider ?? 'embedded');
  options.onStage?.(`starting PostgreSQL (${provider.name})`);
  const sidecars: (() => Promise<void>)[] = [];
  // A local provider's start is a chain of small steps up to launching initdb or the server; the
  // matrices (YAML, SQL parsing: tens of milliseconds at a time on the main thread) load once it has
  // launched, so they fill the wait instead of delaying each step. Other providers load them at once.
  let launched!: () => void;
  const launch = new Promise<void>((resolve) => (launched = resolve));
  if (!provider.reportsLaunch) launched();
  const onLaunched = options.providerOptions?.onLaunched;
  const providerOptions: ProviderOptions = {
    ...options.providerOptions,
    onLaunched: () => {
      launched();
      onLaunched?.();
    },
  };
  let firstWorkspace: Promise<Workspace> | undefined;
  const starting = provider.start(providerOptions).then((started): StartedDatabase => {
    const stopAll = async () => void (await Promise.allSettled([...sidecars.splice(0).map((stop) => stop()), started.stop()]));
    const database: StartedDatabase = {
      ...started,
      // A first workspace nobody took is closed before its server goes.
      stop: async () => {
        const untaken = firstWorkspace;
        firstWorkspace = undefined;
        await untaken?.then((workspace) => workspace.close()).catch(() => undefined);
        await stopAll();
      },
    };
    if (options.firstWorkspaceLabel !== undefined && started.isolation !== 'transaction') {
      firstWorkspace = openWorkspace(database, options.firstWorkspaceLabel, { setupTimeoutMs: options.setupTimeoutMs, inServerDatabase: started.freshServer === true });
      // Its error, if any, is the taker's; a workspace never taken fails nobody.
      firstWorkspace.catch(() => undefined);
    }
    options.onStarted?.(database);
    onProviderStarted?.();
    return database;
  });
  const matrices: LoadedMatrix[] = [];
  const loading = (async () => {
    // A start that fails before launching rejects `starting`, which ends the wait as well.
    await Promise.race([
      launch,
      starting.then(
        () => undefined,
        () => undefined,
      ),
    ]);
    for (const file of options.matrices) matrices.push(await loadMatrix(file));
  })();
  let database: StartedDatabase;
  try {
    // A provider that cannot start (no Docker engine) fails in milliseconds, without waiting for the matrices.
    [database] = await Promise.all([starting, loading]);
  } catch (error) {
    await starting.then(
      (db) => db.stop(),
      () => undefined,
    );
    throw error;
  }
  try {
    if (database.isolation === 'transaction') for (const matrix of matrices) await assertSafeForTransaction(matrix, options.applyMigrations);
  } catch (error) {
    await database.stop();
    throw error;
  }
  return {
    provider,
    database,
    matrices,
    addSidecar: (stop) => void sidecars.push(stop),
    takeFirstWorkspace: () => {
      const taken = firstWorkspace;
      firstWorkspace = undefined;
      return taken;
    },
  };
}

/** Runs `work`, then stops the database whatever happens; a full disk anywhere becomes the error that says which disk (exit 3). */
export async function usingDatabase<T>(database: StartedDatabase, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw diskFullError(error, database) ?? error;
  } finally {
    await database.stop();
  }
}

export interface PrepareOptions {
  /** Where a mismatch with the project's settings is reported (the provider's own warnings go there too). */
  providerOptions?: Pick<ProviderOptions, 'onWarning'>;
  /** See `StartOptions.applyMigrations`. */
  applyMigrations?: boolean;
  /** Longest one setup statement may run. */
  setupTimeoutMs?: number;
  onStage?: (stage: string) => void;
  /** How long the shim and the migrations took, for the run's timings. */
  onTimed?: (step: 'shim' | 'migrations', ms: number) => void;
  /** A workspace already being opened for this matrix (`StartedRun.takeFirstWorkspace()`), used instead of a new one. */
  opened?: Promise<Workspace> | undefined;
}

/**
 * A workspace for one matrix (a fresh database on our server, the one rolled-back transaction on
 * someone else's) with the Supabase shim installed, when the matrix asks for it, and its migrations
 * applied. Closes the workspace when a step fails.
 */
export async function prepareWorkspace(database: StartedDatabase, matrix: LoadedMatrix, label: string, options: PrepareOptions): Promise<{ workspace: Workspace; postgresVersion: string }> {
  const workspace = await (options.opened ?? openWorkspace(database, label, { setupTimeoutMs: options.setupTimeoutMs }));
  const timed = async (step: 'shim' | 'migrations', work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    options.onTimed?.(step, performance.now() - started);
  };
  try {
    const { rows } = await workspace.client.query<{ server_version: string }>('show server_version');
    warnOnMajorMismatch(matrix, rows[0]!.server_version, options.providerOptions?.onWarning);
    if (matrix.database.supabase) {
      options.onStage?.('installing the Supabase shim');
      await timed('shim', () => workspace.keep(() => installSupabaseShim(workspace.client, matrix.database.grants, matrix.file)));
    }
    if (options.applyMigrations !== false) {
      options.onStage?.(`applying ${matrix.database.migrations.length} migration file(s)`);
      await timed('migrations', () => workspace.migrate(matrix.database.migrations));
    }
    return { workspace, postgresVersion: rows[0]!.server_version };
  } catch (error) {
    await workspace.close();
    throw error;
  }
}

/**
 * config.toml's `[db] major_version` is the PostgreSQL the project runs in production: results on
 * another major may differ (PostgreSQL 15 and 16+ grant role membership differently, for one).
 */
function warnOnMajorMismatch(matrix: LoadedMatrix, serverVersion: string, onWarning: ((message: string) => void) | undefined): void {
  const wanted = matrix.supabaseConfig?.majorVersion;
  const major = Number.parseInt(serverVersion, 10);
  if (wanted === undefined || major === wanted) return;
  onWarning?.(
    `${matrix.supabaseConfig!.file} says the project runs PostgreSQL ${wanted} ([db] major_version), and this run uses PostgreSQL ${major}: behaviour can differ between majors (use --provider system --pg-bin or --provider docker --image for ${wanted})`,
  );
}
