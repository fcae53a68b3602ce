/**
 * Running cells: personas' tokens, the planner, the executors (SQL, PostgREST, the cross-check),
 * the classifier and judge, the worker pool with re-runs, and `runMatrix`, which puts it together.
 */
export { classifyOutcome, type Observation } from './executor/classify.js';
export { judgeOutcome } from './executor/judge.js';
export type { RunOptions, RunOutcome } from './options.js';
export { runMatrix } from './run.js';
export type { PersonaContext, PersonaDb } from './persona.js';
export { type MatrixSession, openMatrix, type SessionCell } from './session.js';
