import pg from 'pg';
import type { QueryRows, Queryable } from '../../core/index.js';

/**
 * Runs SELECT statements as the connecting role (no RLS: `row_security = off` makes a role that
 * would be filtered fail loudly instead) with one persona's claims set, in one round trip, and
 * throws nothing away but the savepoint. Returns each statement's rows as arrays of text.
 * When the batch fails, each statement is retried alone so the error names the one at fault.
 */
export async function selectWithClaims(
  client: Queryable,
  claims: Record<string, unknown>,
  statements: readonly string[],
): Promise<{ rows: (string | null)[][] }[] | { failed: number; error: unknown }> {
  if (!statements.length) return [];
  const prefix = `savepoint plan; select set_config('request.jwt.claims', ${pg.escapeLiteral(JSON.stringify(claims))}, true); set local row_security = off`;
  try {
    const results = (await client.query({ text: `${prefix}; ${statements.join('; ')}; rollback to savepoint plan; release savepoint plan`, rowMode: 'array' })) as unknown as QueryRows[];
    return results.slice(3, 3 + statements.length).map((r) => ({ rows: r.rows as (string | null)[][] }));
  } catch {
    await client.query('rollback to savepoint plan; release savepoint plan');
  }
  for (const [index, statement] of statements.entries()) {
    try {
      await client.query(`${prefix}; ${statement}; rollback to savepoint plan; release savepoint plan`);
    } catch (error) {
      await client.query('rollback to savepoint plan; release savepoint plan');
      return { failed: index, error };
    }
  }
  throw new Error('a batch failed but none of its statements does alone');
}
