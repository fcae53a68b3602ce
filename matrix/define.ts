import type { MatrixInput } from './schema.js';

/**
 * Types a TypeScript matrix (`rls-matrix.ts` or `*.matrix.ts`); it is validated like a YAML one.
 *
 * @example
 * ```ts
 * import { defineMatrix } from 'rls-matrix';
 * export default defineMatrix({
 *   version: 1,
 *   personas: { anon: { role: 'anon' } },
 *   defaults: 'deny',
 * });
 * ```
 */
export function defineMatrix<const T extends MatrixInput>(matrix: T): T {
  return matrix;
}
