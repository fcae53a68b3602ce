import { describe, expectTypeOf, it } from 'vitest';
import { defineMatrix } from '../../matrix/define.js';

// Checked by `tsc -p tsconfig.json` (npm run typecheck, npm test): each @ts-expect-error below must be
// an error, or tsc fails with "Unused '@ts-expect-error' directive".

describe('defineMatrix checks the names a matrix uses against the ones it declares', () => {
  it('accepts declared personas, operations, cases and scopes, and returns the matrix as written', () => {
    const matrix = defineMatrix({
      version: 1,
      personas: { anon: { role: 'anon' }, alice: { role: 'authenticated' } },
      tables: {
        'public.notes': {
          scopes: { own: 'owner = auth.uid()' },
          cases: { rename: { op: 'update', set: { title: 'x' } } },
          expect: { anon: 'deny', alice: { select: { own: 'allow' }, rename: { own: 'allow' }, delete: { known: 'ticket 12', verdict: 'allow' } } },
        },
      },
      functions: { 'public.f': { expect: { alice: 'allow' } } },
    });
    expectTypeOf(matrix.personas).toEqualTypeOf<{ readonly anon: { readonly role: 'anon' }; readonly alice: { readonly role: 'authenticated' } }>();
  });

  it('rejects a persona typo, an operation typo, an unknown scope and an unknown persona of a function', () => {
    defineMatrix({
      version: 1,
      personas: { alice: { role: 'authenticated' } },
      tables: {
        'public.notes': {
          scopes: { own: 'owner = auth.uid()' },
          expect: {
            // @ts-expect-error -- 'alcie' is not a persona
            alcie: 'deny',
            alice: {
              // @ts-expect-error -- 'delet' is not an operation or case
              delet: 'deny',
              // @ts-expect-error -- 'mine' is not a scope of public.notes
              select: { mine: 'allow' },
            },
          },
        },
      },
      // @ts-expect-error -- 'bob' is not a persona
      functions: { 'public.f': { expect: { bob: 'allow' } } },
    });
  });

  it('leaves computed names (Object.fromEntries) to the loader, which reports them at run time', () => {
    const personas = ['alice', 'bob'] as const;
    defineMatrix({
      version: 1,
      personas: Object.fromEntries(personas.map((p) => [p, { role: 'authenticated' }])),
      tables: { 'public.notes': { expect: Object.fromEntries(personas.map((p) => [p, 'deny' as const])) } },
    });
  });
});
