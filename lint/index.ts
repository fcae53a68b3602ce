/**
 * Schema lints: static checks of the catalogue after migrations (RLS off, always-true policies,
 * SECURITY DEFINER functions the API may call…), one file per family, each a pure check over a
 * catalogue snapshot; waivers; and `lintMatrices` behind `rls-matrix lint`.
 */
export { lintMatrices, type LintMatricesOptions } from './lint-matrices.js';
export { lintCatalog, type LintOptions, LINTS, lintSchemas, personaRoles, runLints } from './registry.js';
export { globToRegExp } from './waivers.js';
