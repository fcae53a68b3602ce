/** How to reach a started database. Never logged or reported: it holds the password. */
export interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
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
  /** Stops the server and removes everything it left on disk. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ProviderOptions {
  /** Called with server log lines, for --verbose. */
  onLog?: (line: string) => void;
}

/** Where the database comes from (DESIGN §4): one implementation per file in this folder. */
export interface Provider {
  readonly name: string;
  start(options?: ProviderOptions): Promise<StartedDatabase>;
}
