import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runAndCollect, sharedDatabaseSuite, writeProject } from './helpers.js';

// An rpc's rows follow the function's declared return kind on both paths: a scalar is one value
// whatever its JSON shape, none when it is NULL or a JSON null (the API cannot tell them apart);
// a set is its rows. The cross-check runs every cell through the SQL executor and the real PostgREST.
const shared = sharedDatabaseSuite();

const SCHEMA = `
create function public.j_null() returns jsonb language sql stable as $$ select 'null'::jsonb $$;
create function public.j_sql_null() returns jsonb language sql stable as $$ select null::jsonb $$;
create function public.json_null() returns json language sql stable as $$ select 'null'::json $$;
create function public.j_empty_array() returns jsonb language sql stable as $$ select '[]'::jsonb $$;
create function public.j_array3() returns jsonb language sql stable as $$ select '[1,2,3]'::jsonb $$;
create function public.j_obj() returns json language sql stable as $$ select '{"a":1}'::json $$;
create function public.arr_empty() returns int[] language sql stable as $$ select '{}'::int[] $$;
create function public.set_of_null() returns setof int language sql stable as $$ select null::int $$;
create function public.set_of_two() returns setof jsonb language sql stable as $$ values ('null'::jsonb), ('[]'::jsonb) $$;
create function public.empty_text() returns text language sql stable as $$ select '' $$;
`;

const MATRIX = `
version: 1
database: { migrations: ./schema.sql }
personas:
  alice: { role: authenticated }
functions:
  public.j_null: { expect: { alice: filtered } }
  public.j_sql_null: { expect: { alice: filtered } }
  public.json_null: { expect: { alice: filtered } }
  public.j_empty_array: { expect: { alice: allow } }
  public.j_array3: { rows: { alice: 1 }, expect: { alice: allow } }
  public.j_obj: { expect: { alice: allow } }
  public.arr_empty: { rows: { alice: 1 }, expect: { alice: allow } }
  public.set_of_null: { rows: { alice: 1 }, expect: { alice: allow } }
  public.set_of_two: { rows: { alice: 2 }, expect: { alice: allow } }
  public.empty_text: { expect: { alice: allow } }
`;

describe('rpc results by the declared return kind', () => {
  it('the SQL executor and PostgREST count the same rows for JSON, array and set results', async () => {
    const dir = await writeProject({ 'rls-matrix.yaml': MATRIX, 'schema.sql': SCHEMA });
    const { results, summary } = await runAndCollect(join(dir, 'rls-matrix.yaml'), { provider: shared.provider(), crossCheck: true });
    const seen = Object.fromEntries([...results.values()].map((r) => [r.cell.table, { status: r.status, class: r.outcome.class, rows: r.outcome.rows, mismatch: r.fidelity, via: r.via }]));
    // No fidelity mismatch and no `via`: both paths ran the cell and agreed.
    const agree = (cls: string, rows: number) => ({ status: 'pass', class: cls, rows, mismatch: undefined, via: undefined });
    expect(seen).toEqual({
      'public.j_null': agree('filtered', 0),
      'public.j_sql_null': agree('filtered', 0),
      'public.json_null': agree('filtered', 0),
      'public.j_empty_array': agree('allowed', 1),
      'public.j_array3': agree('allowed', 1),
      'public.j_obj': agree('allowed', 1),
      'public.arr_empty': agree('allowed', 1),
      'public.set_of_null': agree('allowed', 1),
      'public.set_of_two': agree('allowed', 2),
      'public.empty_text': agree('allowed', 1),
    });
    expect(summary).toMatchObject({ exitCode: 0, fidelityMismatches: 0 });
  }, 120_000);
});
