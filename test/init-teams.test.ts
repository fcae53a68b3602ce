import { expect, it } from 'vitest';
import { appendFile, cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initProject } from '../harness/index.js';
import { runAndCollect, sharedDatabaseSuite, tempDir } from './helpers.js';

const shared = sharedDatabaseSuite();
const PROJECT = join(import.meta.dirname, 'projects/init-teams');

it('init scopes tables by the membership helper their policies call (member/nonmember), covers the private schema the tables live in, fills the column a CHECK needs, runs green, and turns red when the helper answers true for everyone', async () => {
  const dir = await tempDir('rls-matrix-init-teams-');
  await cp(PROJECT, dir, { recursive: true });
  const outcome = await initProject({ dir, provider: shared.provider() });
  expect(outcome.census).toEqual(['app']);
  expect(outcome.owned).toEqual([{ table: 'app.team_members', column: 'user_id' }]);
  expect(outcome.membered).toEqual([
    { table: 'app.teams', call: 'app.is_member(id)', members: 'app.team_members' },
    { table: 'public.projects', call: 'app.is_member(team_id)', members: 'app.team_members' },
  ]);
  expect(outcome.refused).toEqual([]);
  expect(outcome.vacuous).toEqual([]);
  const text = await readFile(outcome.file, 'utf8');
  for (const line of [
    'schemas:\n  - public\n  - app\n',
    // alice a member of team a, bob of team b; a project in each; the CHECK's slug filled.
    '    app.teams:\n      - { id: "@app_teams_a", slug: init-slug-a }\n      - { id: "@app_teams_b", slug: init-slug-b }\n',
    '    app.team_members:\n      - { team_id: "@app_teams_a", user_id: "@user.alice" }\n      - { team_id: "@app_teams_b", user_id: "@user.bob" }\n',
    '    public.projects:\n      - { team_id: "@app_teams_a" }\n      - { team_id: "@app_teams_b" }\n',
    '    scopes:\n      member: team_id in (select m.team_id from app.team_members m where m.user_id = auth.uid())\n      nonmember: team_id not in (select m.team_id from app.team_members m where m.user_id = auth.uid())\n',
    '        select:\n          member: allow # recorded, not reviewed\n          nonmember: filtered # recorded, not reviewed\n',
    '        insert:\n          member: allow # recorded, not reviewed\n          nonmember: deny # recorded, not reviewed\n',
  ])
    expect(text).toContain(line);

  const green = await runAndCollect(outcome.file, { provider: shared.provider() });
  expect(green.summary.exitCode).toBe(0);
  // Every cell recorded: the whole-table insert into the table of members joins alice to bob's team (no duplicate).
  expect(outcome.unrecorded).toEqual([]);
  expect(text).toContain('      default: { user_id: "@user.alice", team_id: "@app_teams_b" }\n');
  expect([...green.results.values()].filter((r) => r.status !== 'pass').map((r) => [r.cell.id, r.status])).toEqual([]);

  // A planted mutation: the helper lets everyone in. The recorded baseline, unchanged, turns red.
  await appendFile(join(dir, 'supabase/migrations/20250101000000_teams.sql'), '\ncreate or replace function app.is_member(team uuid) returns boolean language sql stable as $$ select true $$;\n');
  const red = await runAndCollect(outcome.file, { provider: shared.provider() });
  expect(red.summary.exitCode).toBe(1);
  const failing = [...red.results.values()].filter((r) => r.status === 'fail').map((r) => r.cell.id);
  expect(failing).toEqual(expect.arrayContaining(['public.projects/alice/select/nonmember', 'public.projects/bob/insert/nonmember', 'app.teams/bob/update/nonmember']));
  expect(failing.every((id) => id.endsWith('/nonmember'))).toBe(true);
});
