/**
 * Settings for a throwaway cluster we start on this machine (embedded, system): durability off,
 * messages in English for classification, TCP on loopback only, and a lock table for large schemas.
 */
export const DISPOSABLE_SERVER_SETTINGS: readonly string[] = [
  'fsync=off',
  'synchronous_commit=off',
  'full_page_writes=off',
  'lc_messages=C',
  'listen_addresses=127.0.0.1',
  'max_connections=64',
  // A migration file that creates its tables in one transaction (BEGIN … COMMIT, as many do) holds a
  // lock on every table, index and TOAST table it makes until it commits: ~5 per table. The lock
  // table holds max_locks_per_transaction × (max_connections + background processes) entries,
  // ~5,500 by default (64): a 2,500-table file needs ~12,500. 256 gives ~22,000 (~4,000 tables) for ~8 MB.
  'max_locks_per_transaction=256',
  // TCP only: no socket or lock file in /tmp, whose permissions we do not control.
  'unix_socket_directories=',
];

/**
 * The subset that is safe for a container image's own entrypoint, which initialises through a
 * Unix socket and must listen on every interface for the published port to reach it.
 */
export const CONTAINER_SERVER_SETTINGS: readonly string[] = DISPOSABLE_SERVER_SETTINGS.filter((setting) => !setting.startsWith('listen_addresses=') && !setting.startsWith('unix_socket_directories='));

/** `['-c', 'a=b', '-c', …]`, as `postgres` takes them on its command line. */
export function settingsArgs(settings: readonly string[]): string[] {
  return settings.flatMap((setting) => ['-c', setting]);
}
