import { describe, expect, it } from 'vitest';
import { runProject, sharedDatabaseSuite } from './helpers.js';

// A table without a primary key is addressed by (tableoid, ctid): a ctid alone is unique only
// within one heap, and every partition of a partitioned table has its own row at '(0,1)'.
const shared = sharedDatabaseSuite();

const SCHEMA = `
create table public.events (owner_id uuid not null, region text not null, body text) partition by list (region);
create table public.events_eu partition of public.events for values in ('eu');
create table public.events_us partition of public.events for values in ('us');
alter table public.events enable row level security;
-- everyone reads the US partition; nobody reads their own EU rows
create policy sel on public.events for select to authenticated using (region = 'us');
-- everyone may delete EU rows only
create policy del on public.events for delete to authenticated using (region = 'eu');
grant select, delete on public.events to authenticated;
`;

const MATRIX = `
version: 1
database: { migrations: ./schema.sql }
fixtures:
  rows:
    public.events:
      - { owner_id: "@user.alice", region: eu, body: alice eu }
      - { owner_id: "@user.bob", region: us, body: bob us }
personas:
  alice: { role: authenticated }
  bob: { role: authenticated }
tables:
  public.events:
    scopes:
      own: owner_id = auth.uid()
      others: owner_id <> auth.uid()
    expect:
      alice: { select: { own: deny, others: allow } }
      bob: { select: { own: allow, others: deny }, delete: { own: deny } }
`;

describe('partitioned table without a primary key', () => {
  it('each cell reaches exactly its scope rows, in their own partition', async () => {
    const { cell, summary } = await runProject({ matrix: MATRIX, schema: SCHEMA }, { provider: shared.provider() });
    const outcome = (id: string) => {
      const r = cell(id);
      return { status: r.status, class: r.outcome.class, rows: r.outcome.rows, targetRows: r.outcome.targetRows };
    };
    // alice's own row is in events_eu, which the policy hides: 0 of 1, not bob's row at the same ctid in events_us
    expect(outcome('public.events/alice/select/own')).toEqual({ status: 'pass', class: 'filtered', rows: 0, targetRows: 1 });
    expect(outcome('public.events/alice/select/others')).toEqual({ status: 'pass', class: 'allowed', rows: 1, targetRows: 1 });
    expect(outcome('public.events/bob/select/own')).toEqual({ status: 'pass', class: 'allowed', rows: 1, targetRows: 1 });
    expect(outcome('public.events/bob/select/others')).toEqual({ status: 'pass', class: 'filtered', rows: 0, targetRows: 1 });
    // bob's own row is in events_us, which no delete policy covers: alice's EU row at '(0,1)' is not deleted in its place
    expect(outcome('public.events/bob/delete/own')).toEqual({ status: 'pass', class: 'filtered', rows: 0, targetRows: 1 });
    expect(cell('public.events/bob/select/own').sql).toMatch(/where \("tableoid", "ctid"\) in \(\('\d+'::oid, '\(0,1\)'::tid\)\)/);
    expect(summary.exitCode).toBe(0);
  }, 60_000);
});
