import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandCells } from '../../matrix/expand.js';
import { loadMatrix } from '../../matrix/load.js';
import { MatrixErrors } from '../../matrix/errors.js';
import { writeProject } from '../project-files.js';
import type { SchemaCatalog, TableInfo } from '../../core/index.js';

const header = `version: 1
database: { migrations: ./schema.sql }
personas:
  alice: { role: authenticated }
  bob: { role: authenticated }
`;

async function load(yaml: string) {
  const dir = await writeProject({ 'rls-matrix.yaml': yaml, 'schema.sql': '' });
  return { dir, load: () => loadMatrix(join(dir, 'rls-matrix.yaml')) };
}

describe('YAML integers beyond 2^53 − 1', () => {
  it('are refused at their file:line with the quoted form to write instead, every one at once', async () => {
    const { dir, load: run } = await load(`${header}fixtures:
  rows:
    public.accounts:
      - { id: 9007199254740993, name: a }
      - { id: -12345678901234567890 }
      - { id: 9007199254740991 }
      - { id: "9007199254740993" }
      - { ratio: 1e300 }
      - { id: 9007199254740992 }
      - { id: 0x20000000000001 }
`);
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MatrixErrors);
    expect((error as MatrixErrors).errors.map((e) => e.message.replaceAll(`${dir}/`, ''))).toEqual([
      "the integer 9007199254740993 is beyond 2^53 − 1 (9007199254740991), the largest a matrix reads exactly (it would become 9007199254740992): quote it ('9007199254740993') so PostgreSQL reads every digit at rls-matrix.yaml:9:15",
      "the integer -12345678901234567890 is beyond 2^53 − 1 (9007199254740991), the largest a matrix reads exactly (it would become -12345678901234567168): quote it ('-12345678901234567890') so PostgreSQL reads every digit at rls-matrix.yaml:10:15",
      // 2^53 survives the reading, but the rule is the range: its neighbours would not.
      "the integer 9007199254740992 is beyond 2^53 − 1 (9007199254740991), the largest a matrix reads exactly: quote it ('9007199254740992') so PostgreSQL reads every digit at rls-matrix.yaml:14:15",
      "the integer 0x20000000000001 is beyond 2^53 − 1 (9007199254740991), the largest a matrix reads exactly (it would become 9007199254740992): quote it ('0x20000000000001') so PostgreSQL reads every digit at rls-matrix.yaml:15:15",
    ]);
    expect((error as MatrixErrors).exitCode).toBe(2);
  });
});

describe('values reached through YAML aliases', () => {
  const table = (name: string): [string, TableInfo] => [
    name,
    {
      name,
      schema: 'public',
      table: name.slice('public.'.length),
      kind: 'table',
      columns: [{ name: 'id', type: 'integer', category: 'N', notNull: true, hasDefault: false, generated: false }],
      primaryKey: ['id'],
      rlsEnabled: true,
      rlsForced: false,
    },
  ];
  const catalog: SchemaCatalog = { tables: new Map([table('public.notes')]), functions: new Map() };

  it("keep the line of use: bob's cells point at bob's line, not at alice's block the anchor is in", async () => {
    const { load: run } = await load(`${header}tables:
  public.notes:
    scopes: { own: "true" }
    expect:
      alice: &own_only
        select: { own: allow }
        delete: { own: deny }
      bob: *own_only
`);
    const matrix = await run();
    const lines = Object.fromEntries(expandCells(matrix, catalog).map((c) => [c.id, c.source.line]));
    expect(lines).toEqual({
      'public.notes/alice/select/own': 11,
      'public.notes/alice/delete/own': 12,
      'public.notes/bob/select/own': 13,
      'public.notes/bob/delete/own': 13,
    });
  });
});
