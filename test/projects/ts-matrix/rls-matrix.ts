// A TypeScript matrix: the same format as YAML, typed by defineMatrix (import it from 'rls-matrix').
import { defineMatrix } from '../../../matrix/define.js';

const personas = ['alice', 'bob'] as const;

export default defineMatrix({
  version: 1,
  name: 'todos (TypeScript)',
  database: { migrations: './schema.sql' },
  fixtures: {
    rows: {
      'public.todos': personas.map((p) => ({ owner_id: `@user.${p}`, title: `${p}'s todo` })),
    },
  },
  personas: { anon: { role: 'anon' }, ...Object.fromEntries(personas.map((p) => [p, { role: 'authenticated' }])) },
  defaults: 'deny',
  tables: {
    'public.todos': {
      scopes: { own: 'owner_id = auth.uid()', others: 'owner_id <> auth.uid()' },
      rows: { own: { title: 'mine' }, others: { owner_id: '@user.bob', title: 'theirs' } },
      expect: Object.fromEntries(
        personas.map((p) => [
          p,
          {
            select: { own: 'allow', others: 'deny' },
            insert: { own: 'allow' },
            update: { own: 'allow', others: 'deny' },
            delete: { own: 'allow', others: 'deny' },
          },
        ]),
      ),
    },
  },
});
