import { InvalidArgumentError, Option, type Command } from 'commander';
import { FAIL_ON_CHOICES, type FailOn, MAX_TIMEOUT_MS, parseShard, RlsMatrixError, RUN_DEFAULTS } from '../core/index.js';
import { DEFAULT_DOCKER_IMAGE, PROVIDER_NAMES } from '../database/index.js';
import type { ProviderFlags } from './provider-flags.js';

/**
 * Command-line flags, each written once: its spelling, help and parsing. Tables are keyed by the
 * property commander fills, and typed against the flags interface a command's action receives, so a
 * flag and the option it feeds cannot drift apart (compare vitest's cli-config).
 */
export interface FlagSpec {
  /** As commander spells it: `--workers <n>`. */
  flags: string;
  description: string;
  choices?: readonly string[];
  default?: string | number | boolean;
  parse?: (value: string) => unknown;
}

/** The flags that choose and configure the provider: `run` and `lint` share them. */
export const PROVIDER_FLAGS = {
  provider: { flags: '--provider <name>', description: 'where PostgreSQL comes from (default: embedded, or url with --url)', choices: PROVIDER_NAMES },
  url: { flags: '--url <url>', description: 'an existing database to use instead, in one transaction that is always rolled back (default: DATABASE_URL with --provider url)' },
  pgBin: { flags: '--pg-bin <dir>', description: '--provider system: the directory holding initdb and postgres (default: found on PATH)' },
  image: { flags: '--image <image>', description: `--provider docker: postgres:<version> or supabase/postgres:<tag> (default: ${DEFAULT_DOCKER_IMAGE})` },
  applyMigrations: [
    { flags: '--apply-migrations', description: "--provider url: apply the matrix's migrations inside the rolled-back transaction (a candidate under review)" },
    { flags: '--no-apply-migrations', description: "--provider url: the database already has the matrix's migrations; skip them" },
  ],
} as const satisfies Record<keyof ProviderFlags, FlagSpec | readonly FlagSpec[]>;

/**
 * `run`'s `--fail-on`: a lint severity, `untested` (combinations no cell tests fail the run), or both
 * separated by a comma (`--fail-on warn,untested`).
 */
export const RUN_FAIL_ON_FLAG: FlagSpec = {
  flags: '--fail-on <what>',
  description: `exit 1 on an unwaived lint finding at or above a severity (${FAIL_ON_CHOICES.join(', ')}), on untested table × persona × operation combinations (untested), or both (warn,untested)`,
  parse: (value: string): { severity?: FailOn; untested: boolean } => {
    const parts = value.split(',').map((p) => p.trim());
    const severities = parts.filter((p) => p !== 'untested');
    const wrong = severities.filter((p) => !(FAIL_ON_CHOICES as readonly string[]).includes(p));
    if (wrong.length || severities.length > 1) throw new InvalidArgumentError(`expected one of ${FAIL_ON_CHOICES.join(', ')}, untested, or a severity and untested separated by a comma`);
    return { ...(severities[0] ? { severity: severities[0] as FailOn } : {}), untested: parts.includes('untested') };
  },
};

/** `--fail-on <severity>`: `run` leaves it unset (lints are informational), `lint` defaults to error. */
export function failOnFlag(defaultValue?: FailOn): FlagSpec {
  return {
    flags: '--fail-on <severity>',
    description: 'exit 1 when an unwaived lint finding is at or above this severity',
    choices: FAIL_ON_CHOICES,
    ...(defaultValue ? { default: defaultValue } : {}),
  };
}

/** Adds every flag of `table` to `command`. */
export function addFlags(command: Command, table: Readonly<Record<string, FlagSpec | readonly FlagSpec[]>>): Command {
  for (const specs of Object.values(table)) {
    for (const spec of Array.isArray(specs) ? (specs as readonly FlagSpec[]) : [specs as FlagSpec]) {
      const option = new Option(spec.flags, spec.description);
      if (spec.choices) option.choices(spec.choices);
      if (spec.parse) option.argParser(spec.parse);
      if (spec.default !== undefined) option.default(spec.default);
      command.addOption(option);
    }
  }
  return command;
}

/** Parses a flag that takes a positive integer. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** A timeout in milliseconds: a whole number from 1 to {@link MAX_TIMEOUT_MS}. */
function timeoutMs(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > MAX_TIMEOUT_MS)
    throw new InvalidArgumentError(`expected a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS} (24 hours): PostgreSQL's statement_timeout and Node's timers stop at 2147483647 ms`);
  return n;
}

/** `--timeout` and `--setup-timeout` of every command that runs cells (`run`, `mutate`), bounded alike. */
export const TIMEOUT_FLAGS = {
  timeout: { flags: '--timeout <ms>', description: `cancel a cell after this long and report it as an error (at most ${MAX_TIMEOUT_MS})`, parse: timeoutMs, default: RUN_DEFAULTS.cellTimeoutMs },
  setupTimeout: {
    flags: '--setup-timeout <ms>',
    description: `stop the run (exit 3) when one setup statement (migration, fixture, scope or row value) runs longer than this (at most ${MAX_TIMEOUT_MS})`,
    parse: timeoutMs,
    default: RUN_DEFAULTS.setupTimeoutMs,
  },
} as const satisfies Record<string, FlagSpec>;

/** The `[targets...]` argument of `run` and `lint`. */
export const TARGETS_HELP = 'matrix files or directories (default: the current directory)';

/** `--shard i/n` of `run`: one part of the cells, for one job of a CI matrix (`merge` combines the reports). */
export const shardFlag: FlagSpec = {
  flags: '--shard <i/n>',
  description: 'run only shard i of n of the cells (split stably by cell id, balanced by expected cost); combine the reports with rls-matrix merge',
  parse: (value: string) => {
    try {
      return parseShard(value);
    } catch (error) {
      throw error instanceof RlsMatrixError ? new InvalidArgumentError(error.message) : error;
    }
  },
};
