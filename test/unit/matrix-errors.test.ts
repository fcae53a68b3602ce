import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadMatrix } from '../../matrix/load.js';
import { MatrixError, MatrixErrors } from '../../matrix/errors.js';
import { writeProject } from '../project-files.js';

/** Loads a matrix written as text and returns the error messages it produces. */
async function problems(yaml: string): Promise<string[]> {
  const dir = await writeProject({ 'rls-matrix.yaml': yaml, 'schema.sql': '' });
  try {
    await loadMatrix(join(dir, 'rls-matrix.yaml'));
  } catch (error) {
    if (error instanceof MatrixErrors) return error.errors.map((e) => e.message.replaceAll(`${dir}/`, ''));
    if (error instanceof MatrixError) return [error.message.replaceAll(`${dir}/`, '')];
    throw error;
  }
  return [];
}

const header = `version: 1
database: { migrations: ./schema.sql }
personas:
  anon: { role: anon }
  alice: { role: authenticated }
`;

describe('matrix errors name file:line:column and suggest the nearest name', () => {
  it('unknown persona', async () => {
    expect(await problems(`${header}tables:\n  public.notes:\n    expect:\n      alcie: deny\n`)).toEqual(["unknown persona 'alcie' at rls-matrix.yaml:9:7 — did you mean 'alice'?"]);
  });

  it('a $count beyond its bound, at its line', async () => {
    expect(await problems(`${header}fixtures:\n  rows:\n    public.notes:\n      - { body: x, $count: 1e12 }\n`)).toEqual([
      expect.stringMatching(/^\$count is at most 100000 \(each row is one INSERT\); seed more in fixtures.sql with insert … select from generate_series.* at rls-matrix.yaml:9:/),
    ]);
    expect(await problems(`${header}fixtures:\n  rows:\n    public.notes:\n      - { body: x, $count: 100000 }\n`)).toEqual([]);
  });

  it('misspelled verdict', async () => {
    expect(await problems(`${header}tables:\n  public.notes:\n    expect:\n      alice: { select: alow }\n`)).toEqual([
      "'alow' is not a verdict for tables.public.notes.expect.alice.select (a verdict is allow, deny, filtered, refused, { refused: SQLSTATE } or { known: reason, verdict: … }) at rls-matrix.yaml:9:16 — did you mean 'allow'?",
    ]);
  });

  it('unknown operation', async () => {
    const [message] = await problems(`${header}tables:\n  public.notes:\n    expect:\n      alice: { slect: allow }\n`);
    expect(message).toMatch(/^unknown operation or case 'slect' for public.notes .* at rls-matrix.yaml:9:16 — did you mean 'select'\?$/);
  });

  it('unknown scope, with the declared ones listed', async () => {
    const [message] = await problems(`${header}tables:\n  public.notes:\n    scopes: { own: "true" }\n    expect:\n      alice: { select: { onw: allow } }\n`);
    expect(message).toBe("unknown scope 'onw' for public.notes (scopes: own) at rls-matrix.yaml:10:26 — did you mean 'own'?");
  });

  it('an insert on a scope without the row it writes', async () => {
    const [message] = await problems(`${header}tables:\n  public.notes:\n    scopes: { own: "true" }\n    expect:\n      alice: { insert: { own: allow } }\n`);
    expect(message).toBe("insert on scope 'own' of public.notes needs the row it writes: add tables.public.notes.rows.own at rls-matrix.yaml:10:26");
  });

  it('unknown keys in a table and at the top level', async () => {
    const messages = await problems(`${header}defaults: deny\nfixture: {}\ntables:\n  public.notes:\n    expct: {}\n`);
    expect(messages).toContain("unknown top-level key 'fixture' (extension keys start with x-) at rls-matrix.yaml:7:1 — did you mean 'fixtures'?");
    expect(messages).toContain("unknown key 'expct' in tables.public.notes at rls-matrix.yaml:10:5 — did you mean 'expect'?");
  });

  // What these two check is the answer, not the time (bench/ measures load speed): a machine shared
  // with other suites can take 30–60 s to build 8,000 tables, so they get a timeout of their own.
  it('a large matrix sharing expectations through thousands of aliases loads', { timeout: 180_000 }, async () => {
    const tables = Array.from({ length: 8000 }, (_, i) => `  public.t${i}: { expect: { alice: *member, anon: *member } }`).join('\n');
    expect(await problems(`${header}x-member: &member { select: allow, insert: deny }\ntables:\n${tables}\n`)).toEqual([]);
  });

  it('a document that grows exponentially through nested aliases is refused', { timeout: 180_000 }, async () => {
    const levels = ['x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      levels.push(`x-${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const [message] = await problems(`${header}${levels.join('\n')}\ntables: {}\n`);
    expect(message).toMatch(/^the YAML aliases expand to more than 20,000,000 nodes .* at rls-matrix\.yaml$/);
  });

  it('x- keys are ignored and their anchors usable', async () => {
    expect(await problems(`${header}x-shared: &owner { select: allow }\ntables:\n  public.notes:\n    expect:\n      alice: *owner\n`)).toEqual([]);
  });

  it('references to unknown personas in rows', async () => {
    const [message] = await problems(`${header}fixtures:\n  rows:\n    public.notes:\n      - { owner_id: "@user.alcie" }\n`);
    expect(message).toBe("'@user.alcie' names an unknown persona 'alcie' at rls-matrix.yaml:9:11 — did you mean 'alice'?");
  });

  it('a user reference to a persona without a user', async () => {
    const [message] = await problems(`${header}fixtures:\n  rows:\n    public.notes:\n      - { owner_id: "@user.anon" }\n`);
    expect(message).toMatch(/^'@user.anon': persona 'anon' has no user .* at rls-matrix.yaml:9:11$/);
  });

  it('YAML syntax errors', async () => {
    const [message] = await problems(`${header}tables:\n  public.notes: { expect: [\n`);
    expect(message).toMatch(/^YAML syntax error: .* at rls-matrix.yaml:\d+:\d+$/);
  });

  it('wrong version and missing personas', async () => {
    const messages = await problems(`version: 2\n`);
    expect(messages).toContain('only version 1 of the matrix format exists (version) at rls-matrix.yaml:1:1');
    expect(messages.some((m) => m.startsWith('missing personas'))).toBe(true);
  });

  it('a missing migrations path', async () => {
    const [message] = await problems(`version: 1\ndatabase: { migrations: ./nope }\npersonas: { anon: { role: anon } }\n`);
    expect(message).toMatch(/^no such file or directory: .*nope at rls-matrix.yaml:2:13$/);
  });

  it('"*" takes only bare verdicts', async () => {
    const [message] = await problems(`${header}tables:\n  "*":\n    expect:\n      alice: { select: { own: allow } }\n`);
    expect(message).toMatch(/^"\*" takes bare verdicts only: scopes are declared per table at rls-matrix.yaml:9:16$/);
  });

  it('a SQLSTATE must look like one', async () => {
    const [message] = await problems(`${header}tables:\n  public.notes:\n    expect:\n      alice: { delete: { refused: 4201 } }\n`);
    expect(message).toMatch(/at rls-matrix.yaml:9:\d+$/);
  });
});
