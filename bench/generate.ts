import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A generated multi-tenant project: `tables` tenant tables, `personas` users in two organisations. */
export interface BenchShape {
  tables: number;
  personas: number;
}

/** Cells the generated matrix expands to: 8 per persona per tenant table (select/insert/update/delete × 2 scopes). */
export function cellCount(shape: BenchShape): number {
  return shape.tables * shape.personas * 8;
}

/**
 * Writes a project like a real Supabase app: organisations, memberships, a SECURITY DEFINER
 * membership helper, and `tables` tenant tables with four policies and an index each; every persona
 * owns one row per table, so every scope is non-empty and every cell passes.
 */
export async function generateProject(dir: string, shape: BenchShape): Promise<string> {
  await mkdir(dir, { recursive: true });
  const personas = Array.from({ length: shape.personas }, (_, i) => `u${i + 1}`);
  const tables = Array.from({ length: shape.tables }, (_, i) => `t${String(i + 1).padStart(3, '0')}`);

  const schema = [
    `create table public.orgs (id uuid primary key default gen_random_uuid(), name text not null);`,
    `create table public.memberships (org_id uuid not null references public.orgs (id), user_id uuid not null references auth.users (id), role text not null default 'member', primary key (org_id, user_id));`,
    `create function public.is_member(_org uuid) returns boolean language sql stable security definer set search_path = '' as $$ select exists (select 1 from public.memberships m where m.org_id = _org and m.user_id = (select auth.uid())) $$;`,
    `alter table public.orgs enable row level security;`,
    `alter table public.memberships enable row level security;`,
    `create policy orgs_read on public.orgs for select to authenticated using (public.is_member(id));`,
    `create policy memberships_read on public.memberships for select to authenticated using (user_id = (select auth.uid()));`,
    ...tables.flatMap((t) => [
      `create table public.${t} (id uuid primary key default gen_random_uuid(), org_id uuid not null references public.orgs (id), owner_id uuid not null references auth.users (id), title text not null, created_at timestamptz not null default now());`,
      `create index ${t}_org on public.${t} (org_id);`,
      `alter table public.${t} enable row level security;`,
      `create policy ${t}_read on public.${t} for select to authenticated using (public.is_member(org_id));`,
      `create policy ${t}_insert on public.${t} for insert to authenticated with check (public.is_member(org_id) and owner_id = (select auth.uid()));`,
      `create policy ${t}_update on public.${t} for update to authenticated using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));`,
      `create policy ${t}_delete on public.${t} for delete to authenticated using (owner_id = (select auth.uid()));`,
    ]),
  ].join('\n');

  const orgOf = (i: number) => `@org_${i % 2}`;
  const lines: string[] = [
    'version: 1',
    `name: bench ${shape.tables} tables × ${shape.personas} personas`,
    'database: { migrations: ./schema.sql }',
    'fixtures:',
    '  rows:',
    '    public.orgs: [{ id: "@org_0", name: A }, { id: "@org_1", name: B }]',
    '    public.memberships:',
    ...personas.map((p, i) => `      - { org_id: "${orgOf(i)}", user_id: "@user.${p}" }`),
    ...tables.flatMap((t) => [`    public.${t}:`, ...personas.map((p, i) => `      - { org_id: "${orgOf(i)}", owner_id: "@user.${p}" }`)]),
    'personas:',
    '  anon: { role: anon }',
    ...personas.map((p) => `  ${p}: { role: authenticated }`),
    'x-member: &member',
    '  select: { team: allow, others: deny }',
    '  insert: { own: allow, others: deny }',
    '  update: { own: allow, others: deny }',
    '  delete: { own: allow, others: deny }',
    'x-table: &table',
    '  scopes:',
    '    own: owner_id = auth.uid()',
    '    team: public.is_member(org_id)',
    '    others: not public.is_member(org_id)',
    '  rows:',
    '    own: { org_id: "= (select org_id from public.memberships where user_id = auth.uid() limit 1)", owner_id: "= auth.uid()" }',
    '    others: { org_id: "= (select id from public.orgs where not public.is_member(id) limit 1)", owner_id: "= auth.uid()" }',
    '  expect:',
    ...personas.map((p) => `    ${p}: *member`),
    'tables:',
    ...tables.map((t) => `  public.${t}: *table`),
  ];
  await writeFile(join(dir, 'schema.sql'), `${schema}\n`);
  await writeFile(join(dir, 'rls-matrix.yaml'), `${lines.join('\n')}\n`);
  return join(dir, 'rls-matrix.yaml');
}
