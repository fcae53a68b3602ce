import type { GrantsMode } from '../database/shim/install.js';
import { installSupabaseShim } from '../database/shim/install.js';
import { runLints, type LintOptions } from '../lint/index.js';
import type { LintId } from '../core/index.js';
import { openWorkspace, type Workspace } from '../database/workspace.js';
import { startSharedDatabase } from './helpers.js';
import type { LintFinding } from '../core/index.js';

export interface LintLab {
  /**
   * Runs `sql` and lints the result inside a transaction that is then rolled back (DDL and CREATE
   * ROLE are transactional), so every call starts from the same database: the shim, nothing else.
   */
  lint(sql: string, options?: Partial<LintOptions> & { grants?: GrantsMode }): Promise<LintFinding[]>;
  stop(): Promise<void>;
}

/** One embedded PostgreSQL for a test file, with one shimmed database per grants mode. */
export async function startLintLab(): Promise<LintLab> {
  const { database } = await startSharedDatabase();
  const workspaces = new Map<GrantsMode, Promise<Workspace>>();
  const workspace = (grants: GrantsMode) => {
    if (!workspaces.has(grants)) {
      workspaces.set(
        grants,
        (async () => {
          const ws = await openWorkspace(database, `lint_${grants}`);
          await ws.keep(() => installSupabaseShim(ws.client, grants));
          return ws;
        })(),
      );
    }
    return workspaces.get(grants)!;
  };
  return {
    async lint(sql, { grants = 'legacy', ...options } = {}) {
      const { client, discard } = await workspace(grants);
      return discard(async () => {
        await client.query(sql);
        return runLints(client, { schemas: ['public'], ...options });
      });
    },
    async stop() {
      await Promise.allSettled([...workspaces.values()].map(async (ws) => (await ws).close()));
      await database.stop();
    },
  };
}

/** The objects (with the policy, when there is one) one lint found, sorted. */
export function found(findings: readonly LintFinding[], id: LintId): string[] {
  return findings
    .filter((f) => f.id === id)
    .map((f) => (f.policy ? `${f.object}/${f.policy}` : f.object))
    .sort();
}

/** The finding of one lint about one object (the first, when there are several). */
export function finding(findings: readonly LintFinding[], id: LintId, object: string): LintFinding | undefined {
  return findings.find((f) => f.id === id && f.object === object);
}
