import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { splitStatements } from '../../fixtures/split-sql.js';
import type { LoadedMatrix } from '../../matrix/types.js';
import { HarnessError } from '../errors.js';

/** Statements that would end (or nest) the one transaction a `url` run lives in. */
const TRANSACTION_CONTROL = /^(begin|start\s+transaction|commit|end|rollback|abort|prepare\s+transaction)\b/i;

/**
 * Refuses, before anything runs on someone else's database, what could leave a trace there:
 * migrations without an explicit decision (`applyMigrations` undefined: the target may already
 * have them, or they may be the candidate under review), and migration or fixture SQL with
 * transaction control, which would commit the transaction everything else is rolled back in.
 * Both are ERR_… with exit code 2, naming the flag or the file and line.
 *
 * @example
 * await assertSafeForTransaction(matrix, options.applyMigrations);
 */
export async function assertSafeForTransaction(matrix: LoadedMatrix, applyMigrations: boolean | undefined): Promise<void> {
  const migrations = matrix.database.migrations;
  if (migrations.length && applyMigrations === undefined) {
    throw new HarnessError(
      'ERR_MIGRATIONS_NEED_FLAG',
      `the matrix ${relative(process.cwd(), matrix.file)} names ${migrations.length} migration file(s), and --provider url runs against an existing database: ` +
        `pass --apply-migrations to apply them inside the transaction that is rolled back (a candidate migration under review), ` +
        `--no-apply-migrations if the database already has them, or remove database.migrations from the matrix`,
    );
  }
  const files = [...(applyMigrations ? migrations : []), ...matrix.fixtures.sql];
  for (const file of files) {
    const found = findTransactionControl(await readFile(file, 'utf8'));
    if (found) {
      throw new HarnessError(
        'ERR_TRANSACTION_CONTROL',
        `${relative(process.cwd(), file)}:${found.line} has '${found.statement}', which would commit or end the transaction a --provider url run is rolled back in: ` +
          `remove the transaction control from that file (each file already runs atomically), or run it against a server of our own (--provider embedded)`,
      );
    }
  }
}

/**
 * The first top-level transaction-control statement of a SQL script, with its 1-based line, or
 * undefined. Statements inside function bodies, strings and comments do not count, nor the END
 * of a `BEGIN ATOMIC … END` SQL-standard function body.
 */
export function findTransactionControl(text: string): { statement: string; line: number } | undefined {
  let inAtomicBody = false;
  for (const { sql, offset } of splitStatements(text)) {
    const lead = leadingCommentLength(sql);
    const statement = sql.slice(lead).trim();
    if (inAtomicBody) {
      if (/^end$/i.test(statement)) inAtomicBody = false;
      continue;
    }
    if (/\bbegin\s+atomic\b/i.test(statement) && !/\bend$/i.test(statement)) {
      inAtomicBody = true;
      continue;
    }
    if (TRANSACTION_CONTROL.test(statement)) {
      const line = text.slice(0, offset + lead).split('\n').length;
      return { statement: statement.split('\n')[0]!.slice(0, 60), line };
    }
  }
  return undefined;
}

/** Length of the comments and blank space a statement starts with. */
function leadingCommentLength(sql: string): number {
  let i = 0;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i]!)) i++;
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else return i;
  }
}
