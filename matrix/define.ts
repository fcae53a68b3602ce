import type { z } from 'zod';
import type { Operation, VerdictSchema } from '../core/index.js';
import type { MatrixInput } from './schema.js';

/**
 * Types a TypeScript matrix (`rls-matrix.ts` or `*.matrix.ts`); it is validated like a YAML one.
 * The names it uses are checked against the ones it declares, so `tsc` rejects a persona, operation,
 * case or scope that does not exist (`alcie`, `delet`) where it is written.
 *
 * @example
 * ```ts
 * import { defineMatrix } from 'rls-matrix';
 * export default defineMatrix({
 *   version: 1,
 *   personas: { anon: { role: 'anon' }, alice: { role: 'authenticated' } },
 *   tables: {
 *     'public.notes': {
 *       scopes: { own: 'owner = auth.uid()' },
 *       expect: { anon: 'deny', alice: { select: { own: 'allow' }, delete: 'deny' } },
 *     },
 *   },
 * });
 * ```
 */
export function defineMatrix<const M extends MatrixInput>(matrix: CheckedNames<M> & M): M {
  return matrix;
}

type VerdictInput = z.input<typeof VerdictSchema>;

/** The string keys of `T`, or none when it is not an object. */
type Keys<T> = T extends object ? keyof T & string : never;
/** The names declared under `key` of `T` (personas, scopes, cases). */
type Declared<T, Key extends string> = T extends { [K in Key]: infer Names } ? Keys<Names> : never;

/** An operation's expectation: a verdict, or verdicts by the table's scopes. */
type CheckedOperation<Table, E> = E extends VerdictInput ? E : { [Scope in keyof E]: Named<Scope, Declared<Table, 'scopes'>, E[Scope], 'a scope of this table'> };
/** A persona's expectation: a verdict, or expectations by operation or by the table's cases. */
type CheckedPersona<Table, E> = E extends VerdictInput
  ? E
  : { [Op in keyof E]: Named<Op, Operation | Declared<Table, 'cases'>, CheckedOperation<Table, E[Op]>, 'an operation or a case of this table'> };
/** `expect:` keyed by the matrix's personas. */
type CheckedExpect<M, Table, E> = { [P in keyof E]: Named<P, Declared<M, 'personas'>, CheckedPersona<Table, E[P]>, 'a persona of this matrix'> };
type CheckedTable<M, Table> = Table extends { expect: infer E } ? { expect: CheckedExpect<M, Table, E> } : unknown;

declare const undeclared: unique symbol;

/**
 * What a name the matrix does not declare must be, which nothing is: tsc's error quotes this type,
 * so it reads `… is not assignable to type 'Undeclared<"'alcie' is not a persona of this matrix",
 * "anon" | "alice"> & …'`, naming the wrong word and the names there are. (A plain `never` would say
 * only "Type 'string' is not assignable to type 'never'".) The check comes first in `defineMatrix`'s
 * parameter so that tsc, which shortens long types, prints it before the matrix's own type.
 */
interface Undeclared<Message extends string, DeclaredNames> {
  readonly [undeclared]: Message;
  readonly declared?: DeclaredNames;
}

/**
 * `Then` when `Key` is one of `Names`, {@link Undeclared} (a compile error where it is written, saying
 * what `Key` is not) when it is not; left unchecked when the key is computed (`Object.fromEntries(…)`
 * gives `string`, not names).
 */
type Named<Key, Names, Then, What extends string> = string extends Key ? unknown : Key extends Names ? Then : Undeclared<`'${Key & string}' is not ${What}`, Names>;

/**
 * `M` with every name it uses but never declares typed {@link Undeclared}: an unknown persona under
 * `expect:` (tables, functions, storage), an unknown operation or case, an unknown scope.
 */
type CheckedNames<M> = (M extends { tables: infer Tables } ? { tables: { [T in keyof Tables]: CheckedTable<M, Tables[T]> } } : unknown) &
  (M extends { functions: infer Functions }
    ? {
        functions: {
          [F in keyof Functions]: Functions[F] extends { expect: infer E } ? { expect: { [P in keyof E]: Named<P, Declared<M, 'personas'>, E[P], 'a persona of this matrix'> } } : unknown;
        };
      }
    : unknown);
