/**
 * Mutation testing of a matrix (`rls-matrix mutate`): mutants generated from the live catalogue
 * (policies, RLS flags, the SECURITY DEFINER helpers policies call, grants), each run in its own
 * copy of the prepared database, the cells it can affect re-run, survivors given the cell that
 * would kill them.
 */
export { type MutateOptions, type MutateOutcome, mutateMatrix } from './mutate.js';
