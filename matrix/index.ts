export { loadMatrix, findMatrixFiles } from './load.js';
export { expandCells, iterateCells, resolveTableName } from './expand.js';
export { defineMatrix } from './define.js';
export { MatrixError, MatrixErrors, formatLocation } from './errors.js';
export { isVerdict, plainVerdict, formatVerdict } from '../core/verdict.js';
export { personaHasUser, isUserPersona, personaNeedsUserRow } from './personas.js';
export { MatrixSchema, OPERATIONS, DEFAULT_OPERATIONS } from './schema.js';
export type * from './types.js';
export type { MatrixInput, MatrixDocument } from './schema.js';
