import { recordConsoleText, type RecordSummary } from './console-record.js';
import { spellControls } from './format.js';

/** What `rls-matrix init` wrote, as the console reports it. */
export interface InitSummary extends RecordSummary {
  /** The matrix's folder as the user names it (`rls/`), for the next command to type. */
  target: string;
  migrations: string;
  owned: readonly { table: string; column: string }[];
  membered: readonly { table: string; call: string; members?: string }[];
  census: readonly string[];
  vacuous: readonly string[];
  unowned: readonly string[];
  buckets: readonly string[];
  storage: { buckets: readonly string[]; recorded: number; scoped?: string };
  refused: readonly { table: string; reason: string }[];
}

/**
 * `rls-matrix init`'s console output: what it found (owner columns, tables it could not scope,
 * buckets it wrote nothing for), every verdict it recorded and every cell left to a human, then what
 * to do next. A human reviews all of it: the verdicts say what the database does, not what it should.
 */
export function initConsoleText(summary: InitSummary): string {
  let text = `${spellControls(summary.file)}: written from ${spellControls(summary.migrations)}\n`;
  for (const { table, column } of summary.owned) text += `  ${spellControls(table)}: owner column ${spellControls(column)} (compared with auth.uid()) → scopes own/others for alice and bob\n`;
  for (const { table, call, members } of summary.membered) {
    text += `  ${spellControls(table)}: membership helper ${spellControls(call)} → scopes member/nonmember for alice and bob${members ? ` (fixtures: alice a member of one group, bob of another, through ${spellControls(members)})` : ' (no table of members found: the scopes rely on seed.sql and triggers)'}\n`;
  }
  if (summary.census.length > 0) {
    text += `Also covered (the project's own schemas whose tables have policies, not exposed by config.toml; written as the matrix's schemas:): ${summary.census.map((s) => spellControls(s)).join(', ')}\n`;
  }
  if (summary.vacuous.length > 0) {
    text += `${summary.vacuous.length} scoped cell${summary.vacuous.length === 1 ? '' : 's'} left out: the scope has no row for that persona (a cell on no row proves nothing); add rows to cover them:\n`;
    for (const id of summary.vacuous) text += `  - ${spellControls(id)}\n`;
  }
  if (summary.unowned.length > 0) {
    text += `${summary.unowned.length} table${summary.unowned.length === 1 ? '' : 's'} with RLS but no column compared with auth.uid() found: whole-table cells only; if rows belong to someone (a team, a membership helper), write scopes for them:\n`;
    for (const table of summary.unowned) text += `  ! ${spellControls(table)}\n`;
  }
  if (summary.refused.length > 0) {
    text += `${summary.refused.length} table${summary.refused.length === 1 ? '' : 's'} written without fixture rows (the schema refused the row init made): until you write rows that satisfy its rules in fixtures.rows, its cells on rows are errors (a cell on no row proves nothing); then rls-matrix record:\n`;
    for (const { table, reason } of summary.refused) text += `  ! ${spellControls(table)}: ${spellControls(reason)}\n`;
  }
  if (summary.storage.buckets.length > 0) {
    text += `Storage buckets ${summary.storage.buckets.map((b) => spellControls(b)).join(', ')}: upload, download, overwrite and remove cells${summary.storage.scoped ? ` scoped own/others (${spellControls(summary.storage.scoped)})` : ' (no storage policy says whose an object is: whole-bucket cells)'}, an object of alice's and one of bob's in each; ${summary.storage.recorded} verdicts recorded, each marked "# recorded, not reviewed"\n`;
  } else if (summary.buckets.length > 0)
    text += `Storage buckets found, not covered by init (storage.objects has no policies; add storage: cells for them): ${summary.buckets.map((b) => spellControls(b)).join(', ')}\n`;
  text += recordConsoleText(summary);
  text += `Next: review ${spellControls(summary.target)}rls-matrix.yaml, then \`rls-matrix run ${spellControls(summary.target)}\` (green now; red when behaviour changes).\n`;
  return text;
}
