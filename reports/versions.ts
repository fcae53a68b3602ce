import type { CellResult, CellStatus, OutcomeClass, Verdict } from '../core/index.js';
import { spellControls } from './format.js';
import { cellText } from './markdown.js';

/**
 * `run --pg-version 15,17,18`: the same matrix run on each PostgreSQL major, and every cell whose
 * outcome differs between them: a policy that leans on behaviour one major has and another lacks
 * (a function, a syntax, a planner change) decides differently on each. Pure: results in, differences
 * out; the console and versions.md word them.
 */

/** One cell's outcome on one major (`absent`: the cell did not exist there, e.g. the catalogue differed). */
export interface VersionOutcome {
  version: string;
  class: OutcomeClass | 'absent';
  status?: CellStatus;
  rows?: number;
  sqlstate?: string;
}

/** A cell whose outcome is not the same on every major, with what each major did. */
export interface VersionDifference {
  id: string;
  expected?: Verdict;
  outcomes: VersionOutcome[];
}

/** Collects each major's results (only what is compared, so memory stays small), then lists the differences. */
export class VersionComparison {
  readonly versions: string[] = [];
  readonly #cells = new Map<string, { expected: Verdict; by: Map<string, VersionOutcome> }>();

  /** A reporter for the run on `version`: gives it to `runMatrix` beside the others. */
  reporter(version: string): { onCellResult(result: Readonly<CellResult>): void } {
    this.versions.push(version);
    return {
      onCellResult: (result) => {
        const { cell, outcome } = result;
        let entry = this.#cells.get(cell.id);
        if (!entry) this.#cells.set(cell.id, (entry = { expected: cell.expected, by: new Map() }));
        entry.by.set(version, {
          version,
          class: outcome.class,
          status: result.status,
          rows: outcome.rows,
          ...(outcome.error ? { sqlstate: outcome.error.sqlstate } : {}),
        });
      },
    };
  }

  /** Every cell whose outcome class, row count, SQLSTATE or status differs between the majors (or that one lacks), by id. */
  differences(): VersionDifference[] {
    const found: VersionDifference[] = [];
    for (const [id, { expected, by }] of this.#cells) {
      const outcomes = this.versions.map((version) => by.get(version) ?? { version, class: 'absent' as const });
      const key = (o: VersionOutcome) => `${o.class}/${o.rows}/${o.sqlstate}/${o.status}`;
      if (outcomes.every((o) => key(o) === key(outcomes[0]!))) continue;
      found.push({ id, expected, outcomes });
    }
    return found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

/** How one major's outcome reads: `denied:policy (42501) fail`, `allowed 3 rows pass`, `absent`. */
function outcomeText(o: VersionOutcome): string {
  if (o.class === 'absent') return 'absent';
  const detail = o.sqlstate ? ` (${o.sqlstate})` : o.class === 'allowed' || o.class === 'partial' ? ` (${o.rows} rows)` : '';
  return `${o.class}${detail} ${o.status}`;
}

/** The console's account of a run across majors: one line when they agree, else each differing cell. */
export function versionsConsoleText(versions: readonly string[], differences: readonly VersionDifference[]): string {
  const across = `PostgreSQL ${versions.join(', ')}`;
  if (!differences.length) return `versions: every cell has the same outcome on ${across}\n`;
  let text = `versions: ${differences.length} cell${differences.length === 1 ? '' : 's'} with a different outcome on ${across}\n`;
  for (const d of differences) text += `  ≠ ${spellControls(d.id, { singleLine: true })}: ${d.outcomes.map((o) => `${o.version} ${outcomeText(o)}`).join(' · ')}\n`;
  return text;
}

/** versions.md: the differences as a table, a column per major. */
export function versionsMarkdown(versions: readonly string[], differences: readonly VersionDifference[]): string {
  let text = `# RLS matrix across PostgreSQL ${versions.join(', ')}\n\n`;
  if (!differences.length) return `${text}Every cell has the same outcome on every major.\n`;
  text += `${differences.length} cell${differences.length === 1 ? '' : 's'} with a different outcome:\n\n| cell | ${versions.map((v) => `PostgreSQL ${v}`).join(' | ')} |\n|---|${versions.map(() => '---|').join('')}\n`;
  for (const d of differences) text += `| ${cellText(d.id)} | ${d.outcomes.map((o) => cellText(outcomeText(o))).join(' | ')} |\n`;
  return text;
}
