import { expect, it } from 'vitest';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initProject } from '../harness/index.js';
import { runAndCollect, sharedDatabaseSuite, tempDir } from './helpers.js';

const shared = sharedDatabaseSuite();

// Supabase's documented pattern: each user's objects in a folder named after their id.
const AVATARS = `
insert into storage.buckets (id, name) values ('avatars', 'avatars');
create policy "read own avatars" on storage.objects for select to authenticated using (bucket_id = 'avatars' and (storage.foldername(name))[1] = auth.uid()::text);
create policy "upload own avatars" on storage.objects for insert to authenticated with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = auth.uid()::text);
create policy "update own avatars" on storage.objects for update to authenticated using (bucket_id = 'avatars' and (storage.foldername(name))[1] = auth.uid()::text);
create policy "remove own avatars" on storage.objects for delete to authenticated using (bucket_id = 'avatars' and (storage.foldername(name))[1] = auth.uid()::text);
`;

it('init writes storage cells (every verb, move included, so defaults leave none unstated) for the buckets a project creates (own/others by the folder the policies read), an object of alice and bob in each; green, and red when a storage policy widens', async () => {
  const dir = await tempDir('rls-matrix-init-storage-');
  await mkdir(join(dir, 'supabase/migrations'), { recursive: true });
  await writeFile(join(dir, 'supabase/migrations/20250101000000_avatars.sql'), AVATARS);
  const outcome = await initProject({ dir, provider: shared.provider() });
  expect(outcome.storage).toEqual({ buckets: ['avatars'], recorded: 30, scoped: '(storage.foldername(name))[1] = auth.uid()::text' });
  expect(outcome.unrecorded).toEqual([]);
  const text = await readFile(outcome.file, 'utf8');
  expect(text).toContain(
    `      - { bucket_id: avatars, name: = (select id::text from auth.users where email = 'alice@example.test') || '/init.txt', owner: "@user.alice", owner_id: "@user.alice" }\n`,
  );
  expect(text).toContain(
    '      alice:\n        upload:\n          own: allow # recorded, not reviewed\n          others: deny # recorded, not reviewed\n        download:\n          own: allow # recorded, not reviewed\n          others: filtered # recorded, not reviewed\n',
  );
  expect(text).toContain('      anon:\n        upload: deny # recorded, not reviewed\n        download: filtered # recorded, not reviewed\n');
  const green = await runAndCollect(outcome.file, { provider: shared.provider() });
  expect(green.summary.exitCode).toBe(0);
  expect(green.results.size).toBe(30);

  await appendFile(join(dir, 'supabase/migrations/20250101000000_avatars.sql'), `\ncreate policy "read all avatars" on storage.objects for select to authenticated using (bucket_id = 'avatars');\n`);
  const red = await runAndCollect(outcome.file, { provider: shared.provider() });
  const failing = [...red.results.values()].filter((r) => r.status === 'fail').map((r) => r.cell.id);
  expect(failing.sort()).toEqual(['storage.objects/alice/download/avatars:others', 'storage.objects/bob/download/avatars:others']);
});
