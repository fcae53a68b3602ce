import { beforeAll, describe, expect, it } from 'vitest';
import { findPlaceholders, substitutePlaceholders } from './placeholders.js';
import { loadSqlParser } from './sql-parser.js';

beforeAll(() => loadSqlParser());

const names = (sql: string) => findPlaceholders(sql).map((p) => `${p.namespace}.${p.name}`);

describe('{persona.X} placeholders in SQL', () => {
  it('are found in SQL, with spaces inside the braces allowed', () => {
    expect(names(`team_id = {persona.team} and owner = { persona.id }`)).toEqual(['persona.team', 'persona.id']);
  });

  it('are text inside strings, escape strings, quoted identifiers, dollar-quoted bodies and comments', () => {
    const sql = [
      `a = '{persona.one}'`,
      `b = 'it''s {persona.two}'`,
      `c = E'\\'{persona.three}'`,
      `"{persona.four}" = 1`,
      `d = $tag1$ {persona.five} $tag1$`,
      `e = $$ {persona.six} $$`,
      `-- {persona.seven}`,
      `/* outer /* {persona.eight} */ still comment {persona.nine} */`,
      `f = '{1,2}'::int[]`,
      `g = {persona.found}`,
    ].join('\n');
    expect(names(sql)).toEqual(['persona.found']);
  });

  it('a positional parameter or a $ inside an identifier does not open a dollar quote', () => {
    expect(names(`x = $1 and {persona.a} = y`)).toEqual(['persona.a']);
    expect(names(`a$b$ = {persona.b}`)).toEqual(['persona.b']);
  });

  it('other namespaces are reported as placeholders too, so they can be refused', () => {
    expect(names(`{user.alice} = owner`)).toEqual(['user.alice']);
  });

  it('substitutes each placeholder by what the callback returns, leaving the rest as written', () => {
    const sql = `team_id = {persona.team} and note <> '{persona.team}'`;
    expect(substitutePlaceholders(sql, (p) => `'v-${p.name}'`)).toBe(`team_id = 'v-team' and note <> '{persona.team}'`);
    expect(substitutePlaceholders('no placeholders', () => 'x')).toBe('no placeholders');
  });
});
