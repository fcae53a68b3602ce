import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliInProcess } from '../cli-in-process.js';
import { writeProject } from '../project-files.js';

// `rls-matrix diff before.yaml after.yaml`: reviewing a pull request that edits expectations. No
// database: the cells are expanded from the two files alone.

const BEFORE = `version: 1
name: notes
database: { migrations: schema.sql }
personas:
  alice: { role: authenticated }
  bob: { role: authenticated }
x-deny-all: &deny_all deny
tables:
  public.notes:
    scopes:
      own: owner_id = auth.uid()
      others: owner_id <> auth.uid()
    rows:
      own: { owner_id: "@user.alice" }
    expect:
      alice:
        select: { own: allow, others: deny }
        update: { own: allow, others: deny }
        insert: { own: allow }
        delete: deny
  public.secrets:
    expect:
      alice: *deny_all
`;

// The pull request: others' notes readable (loosened), own notes no longer updatable (tightened), the
// own scope rewritten, delete said more strictly, bob's reading added, alice's insert dropped, and
// secrets made a known gap (a known gap never fails, so it accepts any access: loosened too).
const AFTER = `version: 1
name: notes
database: { migrations: schema.sql }
personas:
  alice: { role: authenticated }
  bob: { role: authenticated }
tables:
  public.notes:
    scopes:
      own: owner_id = (select auth.uid())  # rewritten for the planner
      others: owner_id <> auth.uid()
    expect:
      alice:
        select: { own: allow, others: allow }
        update: { own: deny, others: deny }
        delete: filtered
      bob:
        select: { own: allow }
  public.secrets:
    expect:
      alice: { known: "the export job reads them until #42 lands", verdict: deny }
`;

const diff = (...args: string[]) => cliInProcess(['diff', ...args]);

describe('rls-matrix diff of two matrix files', () => {
  it('names each loosened, tightened, reworded, added and removed expectation by cell, and exits 1 on a loosening', async () => {
    const dir = await writeProject({ 'before.yaml': BEFORE, 'after.yaml': AFTER, 'schema.sql': '' });
    const [before, after] = [join(dir, 'before.yaml'), join(dir, 'after.yaml')];
    const json = join(dir, 'diff.json');
    const { code, stdout } = await diff(before, after, '--json', json, '--markdown', join(dir, 'diff.md'));
    expect(code).toBe(1);
    const text = stdout.replaceAll(`${dir}/`, '');
    expect(text).toContain(`rls-matrix diff of expectations: ${before} → ${after}`.replaceAll(`${dir}/`, ''));
    expect(text).toContain(
      [
        '▲ widened (5)',
        '  public.notes · alice · select · others: deny → allow  at after.yaml:14:31',
        '  public.secrets · alice · select · (table): deny → deny (known gap)  at after.yaml:21:7',
        '  public.secrets · alice · insert · (table): deny → deny (known gap)  at after.yaml:21:7',
        '  public.secrets · alice · update · (table): deny → deny (known gap)  at after.yaml:21:7',
        '  public.secrets · alice · delete · (table): deny → deny (known gap)  at after.yaml:21:7',
        '',
        '▼ narrowed (1)',
        '  public.notes · alice · update · own: allow → deny  at after.yaml:15:19',
        '      scope predicate owner_id = auth.uid() → owner_id = (select auth.uid())',
        '',
        '~ changed (2)',
        '  public.notes · alice · select · own: allow → allow  at after.yaml:14:19',
        '      scope predicate owner_id = auth.uid() → owner_id = (select auth.uid())',
        '  public.notes · alice · delete · (table): deny → filtered  at after.yaml:16:9',
        '',
        '+ added (1)',
        '  public.notes · bob · select · own: – → allow  at after.yaml:18:19',
        '',
        '− removed (1)',
        '  public.notes · alice · insert · own: allow → –  at before.yaml:19:19',
        '',
        'FAIL diff: 5 widened, 1 narrowed, 0 errors changed, 2 changed, 1 added, 1 removed, 1 unchanged · 5 cells at --fail-on widened',
      ].join('\n'),
    );
    const written = JSON.parse(await readFile(json, 'utf8'));
    expect(written).toMatchObject({ mode: 'matrices', failOn: ['widened'], failing: 5, before: { matrixName: 'notes', cells: 10 }, after: { matrixName: 'notes', cells: 10 }, notes: [] });
    expect(written.changes[1]).toMatchObject({
      id: 'public.secrets/alice/select/*',
      kind: 'widened',
      before: { expected: 'deny' },
      after: { expected: { known: 'the export job reads them until #42 lands', verdict: 'deny' } },
    });
    const md = (await readFile(join(dir, 'diff.md'), 'utf8')).replaceAll(`${dir}/`, '');
    expect(md).toContain('## ❌ RLS diff: expected access widened in 5 cells');
    expect(md).toContain('| `public.notes` | alice | update | own | allow | deny | `after.yaml:15:19` | scope predicate owner\\_id = auth.uid() → owner\\_id = (select auth.uid()) |');

    expect((await diff(before, after, '--fail-on', 'removed')).code).toBe(1);
    expect((await diff(before, after, '--fail-on', 'errors')).code).toBe(0);
    const same = await diff(before, before);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('PASS diff: 0 widened, 0 narrowed, 0 errors changed, 0 changed, 0 added, 0 removed, 10 unchanged');
  });

  it('a change to defaults is a note (it reaches tables neither file names), and the cells it adds are listed', async () => {
    const dir = await writeProject({ 'before.yaml': BEFORE, 'after.yaml': BEFORE.replace('tables:', 'defaults: allow\ntables:'), 'schema.sql': '' });
    const { code, stdout } = await diff(join(dir, 'before.yaml'), join(dir, 'after.yaml'), '--fail-on', 'widened,added');
    expect(code).toBe(1);
    expect(stdout).toContain('  note: defaults: (none) → allow; it also covers every table of the exposed schemas neither matrix names, which only the database knows (run both and diff the reports)');
    // bob had no cells; now defaults give him select, insert, update and delete on both tables.
    expect(stdout).toContain('+ added (8)\n  public.notes · bob · select · (table): – → allow');
    expect(stdout).toContain('0 widened, 0 narrowed, 0 errors changed, 0 changed, 8 added, 0 removed, 10 unchanged · 8 cells at --fail-on widened,added');
  });

  it('refuses (exit 2) a matrix with an error (file:line), two matrices with no cell in common, and a matrix beside a report', async () => {
    const dir = await writeProject({ 'before.yaml': BEFORE, 'typo.yaml': AFTER.replace('      bob:\n', '      bbo:\n'), 'other.yaml': BEFORE.replaceAll('alice', 'carol'), 'schema.sql': '' });
    const typo = await diff(join(dir, 'before.yaml'), join(dir, 'typo.yaml'));
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(`unknown persona 'bbo' at ${dir}/typo.yaml:17:7 — did you mean 'bob'?`);
    const other = await diff(join(dir, 'before.yaml'), join(dir, 'other.yaml'));
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('share no cell: they are different matrices, so there is nothing to compare');
    const missing = await diff(join(dir, 'before.yaml'), join(dir, 'aftr.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`rls-matrix: cannot read ${join(dir, 'aftr.yaml')}: ENOENT\n`);
    const mixed = await diff(join(dir, 'before.yaml'), dir);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain(`rls-matrix: ${join(dir, 'before.yaml')} is a matrix file and ${dir} a report: diff compares two reports (folders or results.json) or two matrix files`);
  });
});
