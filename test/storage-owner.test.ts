import { describe, expect, it } from 'vitest';
import { personaUserId } from '../fixtures/index.js';
import { runProject, sharedDatabaseSuite } from './helpers.js';

// Upload and overwrite set the object's owner from the JWT's sub, as Supabase Storage does, so the
// common `owner_id = auth.uid()::text` policies see the uploader.
const shared = sharedDatabaseSuite();

const SCHEMA = `
insert into storage.buckets (id, name) values ('docs', 'docs');
create policy "upload as yourself" on storage.objects for insert to authenticated
  with check (bucket_id = 'docs' and owner_id = (select auth.uid())::text);
create policy "read own" on storage.objects for select to authenticated
  using (bucket_id = 'docs' and owner_id = (select auth.uid())::text);
create policy "update own" on storage.objects for update to authenticated
  using (bucket_id = 'docs' and owner = (select auth.uid())) with check (owner = (select auth.uid()));
`;

const MATRIX = `
version: 1
database: { migrations: ./schema.sql }
fixtures:
  rows:
    storage.objects:
      - { bucket_id: docs, name: a.txt, owner: "@user.alice", owner_id: "@user.alice" }
personas:
  alice: { role: authenticated }
  bob: { role: authenticated }
  admin: { role: service_role }
storage:
  docs:
    scopes:
      own: owner = auth.uid()
      as_bob: owner = auth.uid()
    rows:
      own: { name: "= auth.uid()::text || '/new.txt'" }
      as_bob: { name: forged.txt, owner_id: "@user.bob" }
    expect:
      alice: { upload: { own: allow, as_bob: deny }, download: { own: allow }, overwrite: { own: allow } }
      admin: { upload: allow }
`;

describe('storage owner', () => {
  it('an upload and an overwrite carry the uploader as owner and owner_id, unless the row gives them', async () => {
    const { cell, summary } = await runProject({ matrix: MATRIX, schema: SCHEMA }, { provider: shared.provider() });
    const alice = personaUserId({ personas: { alice: { role: 'authenticated' } } }, 'alice');
    const bob = personaUserId({ personas: { bob: { role: 'authenticated' } } }, 'bob');
    expect(cell('storage.objects/alice/upload/docs:own')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1 } });
    expect(cell('storage.objects/alice/upload/docs:own').sql).toContain(`'${alice}'::uuid`);
    expect(cell('storage.objects/alice/upload/docs:own').sql).toContain(`'${alice}'::text`);
    expect(cell('storage.objects/alice/overwrite/docs:own')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1 } });
    expect(cell('storage.objects/alice/download/docs:own')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1 } });
    // owner_id given in the row wins: alice uploading as bob is refused by the policy
    expect(cell('storage.objects/alice/upload/docs:as_bob')).toMatchObject({ status: 'pass', outcome: { class: 'denied:policy' } });
    expect(cell('storage.objects/alice/upload/docs:as_bob').sql).toContain(`'${bob}'::text`);
    // the service key has no sub: Storage leaves the owner unset
    expect(cell('storage.objects/admin/upload/docs')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1 } });
    expect(cell('storage.objects/admin/upload/docs').sql).toContain(`("name", "owner", "owner_id", "bucket_id", "id") values ('rls-matrix/admin-upload.txt'::text, null::uuid, null::text,`);
    expect(summary.exitCode).toBe(0);
  }, 60_000);
});
