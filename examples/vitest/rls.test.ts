// The LMS example's matrix as vitest tests: one test per cell, grouped table › persona › operation.
// Run it from this folder with `npx vitest run` (the configuration beside it re-runs it in watch mode
// when the matrix, a migration or a fixture changes).
import { expect, test } from 'vitest';
import { asPersona, describeMatrix } from 'rls-matrix/vitest';

describeMatrix(new URL('../lms/', import.meta.url), { name: 'LMS' });

// What a matrix cannot express, as the persona itself, in a transaction that is always rolled back.
test('a student sees only the courses of their own school', () =>
  asPersona('student_a', async ({ db }) => {
    const { rows } = await db.query<{ own: number; other: number }>(
      `select count(*) filter (where s.slug = 'andino')::int as own, count(*) filter (where s.slug <> 'andino')::int as other
         from public.courses c join public.schools s on s.id = c.school_id`,
    );
    expect(rows[0]).toEqual({ own: 1, other: 0 });
  }));
