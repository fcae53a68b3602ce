import { describe, expect, it } from 'vitest';
import type { ColumnInfo, TableInfo } from '../../core/index.js';
import { generateValue, seededFaker, seedFromString } from '../../fixtures/generate.js';
import { interpretValue, personaUserId, personaValue, stableUuid, withPersonaLiterals, type ValueContext } from '../../fixtures/references.js';
import { insertStatement } from '../../fixtures/rows.js';

// How fixtures read the values a matrix writes, and fill the ones it leaves out: pure functions, no database.

const personas: ValueContext['personas'] = {
  alice: { role: 'authenticated', email: 'alice@example.com', attributes: { team: '@team_a', level: 3, tags: ['x'] } },
  bob: { role: 'authenticated', id: '00000000-0000-0000-0000-000000000002' },
  visitor: { role: 'anon' },
  robot: { role: 'authenticated', user: false, attributes: { query: '= 1' } },
};

describe('stableUuid and personaUserId', () => {
  it('gives a version-5 uuid that is the same for the same name, in every run', () => {
    expect(stableUuid('team_a')).toBe(stableUuid('team_a'));
    expect(stableUuid('team_a')).not.toBe(stableUuid('team_b'));
    expect(stableUuid('team_a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("uses a persona's own id, else a stable one from its name", () => {
    expect(personaUserId({ personas }, 'bob')).toBe('00000000-0000-0000-0000-000000000002');
    expect(personaUserId({ personas }, 'alice')).toBe(stableUuid('user:alice'));
  });
});

describe('interpretValue', () => {
  const as = (actor?: string): ValueContext => ({ personas, ...(actor ? { actor } : {}) });

  it('reads references, attributes, SQL and plain values', () => {
    expect(interpretValue(as(), '@team_a')).toEqual({ kind: 'value', value: stableUuid('team_a') });
    expect(interpretValue(as(), '@user.bob')).toEqual({ kind: 'value', value: '00000000-0000-0000-0000-000000000002' });
    expect(interpretValue(as('alice'), '@persona.team')).toEqual({ kind: 'value', value: stableUuid('team_a') });
    expect(interpretValue(as('alice'), '@persona.id')).toEqual({ kind: 'value', value: stableUuid('user:alice') });
    expect(interpretValue(as('alice'), '@persona.email')).toEqual({ kind: 'value', value: 'alice@example.com' });
    expect(interpretValue(as('alice'), '@persona.name')).toEqual({ kind: 'value', value: 'alice' });
    expect(interpretValue(as(), '= now()')).toEqual({ kind: 'sql', sql: 'now()' });
    expect(interpretValue(as(), 42)).toEqual({ kind: 'value', value: 42 });
    expect(interpretValue(as(), 'plain')).toEqual({ kind: 'value', value: 'plain' });
    expect(interpretValue(as(), '@')).toEqual({ kind: 'value', value: '@' });
  });

  it('keeps a value that starts with a backslash literal', () => {
    expect(interpretValue(as(), '\\@not_a_ref')).toEqual({ kind: 'value', value: '@not_a_ref' });
    expect(interpretValue(as(), '\\= not sql')).toEqual({ kind: 'value', value: '= not sql' });
  });

  it("gives NULL for the id and email of a persona that is not a user (as auth.uid() is); user: false keeps its token a user's", () => {
    expect(personaValue(as('visitor'), 'id')).toBeNull();
    expect(personaValue(as('visitor'), 'email')).toBeNull();
    expect(personaValue(as('robot'), 'id')).toBe(stableUuid('user:robot'));
    expect(personaValue(as('robot'), 'email')).toBe('robot@example.test');
  });

  it('refuses an attribute the persona lacks, one read without an acting persona, and an attribute that is SQL', () => {
    expect(() => personaValue(as('bob'), 'team')).toThrow("persona bob has no attribute 'team': add it under personas.bob.attributes");
    expect(() => personaValue(as(), 'team')).toThrow("'@persona.team' / '{persona.team}' needs an acting persona (in fixtures.rows: give the row $as)");
    expect(() => personaValue(as('robot'), 'query')).toThrow("attribute 'query' of persona robot is SQL; attributes are values");
  });
});

describe('withPersonaLiterals', () => {
  const alice: ValueContext = { personas, actor: 'alice' };

  it('puts each {persona.X} in as a literal: numbers bare, text and JSON quoted and escaped, NULL for none', () => {
    expect(withPersonaLiterals(alice, 'team_id = {persona.team} and level >= {persona.level}')).toBe(`team_id = '${stableUuid('team_a')}' and level >= 3`);
    expect(withPersonaLiterals(alice, 'tags = {persona.tags}')).toBe(`tags = '["x"]'`);
    expect(withPersonaLiterals({ personas, actor: 'visitor' }, 'owner = {persona.id}')).toBe('owner = NULL');
    expect(withPersonaLiterals({ personas: { o: { role: 'anon', attributes: { name: "O'Brien" } } }, actor: 'o' }, 'x = {persona.name}')).toBe("x = 'o'");
    expect(withPersonaLiterals({ personas: { o: { role: 'anon', attributes: { last: "O'Brien" } } }, actor: 'o' }, 'x = {persona.last}')).toBe("x = 'O''Brien'");
  });

  it('leaves text that only looks like a placeholder (in a string constant) alone, and refuses other namespaces', () => {
    expect(withPersonaLiterals(alice, "note = '{persona.team}'")).toBe("note = '{persona.team}'");
    expect(() => withPersonaLiterals(alice, 'x = {user.id}')).toThrow('unknown placeholder {user.id}: only {persona.X} exists');
  });
});

describe('insertStatement', () => {
  const column = (name: string, type: string): ColumnInfo => ({ name, type, category: type === 'text' ? 'S' : 'U', notNull: false, hasDefault: false, generated: false });
  const table: TableInfo = { name: 'public.notes', schema: 'public', table: 'notes', kind: 'table', columns: [], primaryKey: ['id'], rlsEnabled: true, rlsForced: false };

  it('sends plain values as typed parameters, JSON and objects as JSON text, and inlines SQL', () => {
    const statement = insertStatement(
      {
        table,
        entries: [
          [column('title', 'text'), { kind: 'value', value: 'hi' }],
          [column('meta', 'jsonb'), { kind: 'value', value: { a: 1 } }],
          [column('point', 'point'), { kind: 'value', value: { x: 1 } }],
          [column('created_at', 'timestamptz'), { kind: 'sql', sql: 'now()' }],
        ],
      },
      'id',
    );
    expect(statement).toEqual({
      text: 'insert into "public"."notes" ("title", "meta", "point", "created_at") values ($1::text, $2::jsonb, $3::point, (now())) returning id',
      values: ['hi', '{"a":1}', '{"x":1}'],
    });
  });

  it('writes a row without columns as default values, and escapes identifiers', () => {
    expect(insertStatement({ table: { ...table, schema: 'my schema', table: 'odd"name' }, entries: [] })).toEqual({ text: 'insert into "my schema"."odd""name" default values', values: [] });
  });
});

describe('generated values', () => {
  const column = (name: string, type: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({ name, type, category: 'U', notNull: true, hasDefault: false, generated: false, ...extra });

  it('are the same for the same seed, so two runs seed identical rows', async () => {
    const columns = [column('id', 'uuid'), column('email', 'text', { category: 'S' }), column('born', 'date'), column('price', 'numeric(6,2)'), column('n', 'integer')];
    const [a, b] = await Promise.all([seededFaker(7), seededFaker(7)]);
    const first = columns.map((c) => generateValue(a, c));
    expect(columns.map((c) => generateValue(b, c))).toEqual(first);
    expect(first[1]).toMatch(/^[^@\s]+@[^@\s]+$/);
    expect(first[2]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(first[3]).toBeLessThanOrEqual(9999.99);
  });

  it('fit the column: an enum label, an empty array, text cut to its length, nothing for a type no value can be invented for', async () => {
    const faker = await seededFaker(1);
    expect(['draft', 'live']).toContain(generateValue(faker, column('state', 'note_state', { enumLabels: ['draft', 'live'] })));
    expect(generateValue(faker, column('tags', 'text[]'))).toEqual([]);
    expect(String(generateValue(faker, column('description', 'character varying(5)', { category: 'S' }))).length).toBeLessThanOrEqual(5);
    expect(generateValue(faker, column('shape', 'polygon'))).toBeUndefined();
  });

  it('seedFromString is a stable 32-bit seed per text', () => {
    expect(seedFromString('public.notes/alice/select/*')).toBe(seedFromString('public.notes/alice/select/*'));
    expect(seedFromString('a')).not.toBe(seedFromString('b'));
    expect(seedFromString('anything')).toBeLessThan(2 ** 32);
  });
});
