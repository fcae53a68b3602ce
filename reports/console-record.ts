import { type PlainVerdict, verdictText } from '../core/index.js';
import { spellControls } from './format.js';

/** What `rls-matrix record` did, as the console reports it. */
export interface RecordSummary {
  file: string;
  recorded: readonly { section?: 'tables' | 'storage' | 'functions'; table: string; persona: string; operation: string; scope?: string; verdict: PlainVerdict }[];
  unrecorded: readonly { id: string; reason: string }[];
}

/**
 * `rls-matrix record`'s console output: each verdict written (a human must review every one: they
 * say what the database does now, not what it should do), then each cell left for a human to state.
 */
export function recordConsoleText({ file, recorded, unrecorded }: RecordSummary): string {
  let text = `${spellControls(file)}: ${recorded.length} verdict${recorded.length === 1 ? '' : 's'} recorded from what the database does now, each marked "# recorded, not reviewed"\n`;
  for (const r of recorded) text += `  + ${spellControls(recordedName(r))} → ${verdictText(r.verdict)}\n`;
  if (unrecorded.length > 0) {
    text += `${unrecorded.length} cell${unrecorded.length === 1 ? '' : 's'} left unstated (no verdict describes what happened):\n`;
    for (const u of unrecorded) text += `  ? ${spellControls(u.id)}: ${spellControls(u.reason)}\n`;
  }
  text += 'Review: is each recorded verdict what should happen? Fix the policy where it is not, then delete the mark.\n';
  return text;
}

/** `public.notes · bob · update`, `bucket avatars · bob · upload`, `public.stats() · bob · call`. */
function recordedName(r: RecordSummary['recorded'][number]): string {
  if (r.section === 'storage') return `bucket ${r.table} · ${r.persona} · ${r.operation}`;
  if (r.section === 'functions') return `${r.table}() · ${r.persona} · call`;
  return `${r.table} · ${r.persona} · ${r.operation}${r.scope === undefined ? '' : ` · ${r.scope}`}`;
}
