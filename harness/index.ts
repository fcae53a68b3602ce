/**
 * Running cells: personas' tokens, the planner, the executors (SQL, PostgREST, the cross-check),
 * the classifier and judge, the worker pool with re-runs, and `runMatrix`, which puts it together.
 * Mutation testing (mutate/) prepares and runs through the same steps: `prepareMatrix`, `planAll`,
 * `replayPlans`, `takeCensus`, `describeRun`.
 */
export { classifyOutcome, type Observation } from './executor/classify.js';
export { judgeOutcome } from './executor/judge.js';
export { lockWaitBesideOthers } from './executor/rerun.js';
export { mintIdentities, personaClaims, randomJwtSecret } from './jwt.js';
export type { RunOptions, RunOutcome } from './options.js';
export { type CellPlan, planCells } from './planner/plan.js';
export { prepareMatrix } from './prepare-matrix.js';
export { planAll, replayPlans } from './replay.js';
export { runMatrix } from './run.js';
export { describeRun, takeCensus } from './run-meta.js';
export { RunClock } from './timings.js';
export { type RecordOptions, type RecordOutcome, recordMatrix, type UnrecordedCell } from './record.js';
export type { PersonaContext, PersonaDb } from './persona.js';
export { type MatrixSession, openMatrix, type SessionCell } from './session.js';
export { type InitOptions, type InitOutcome, initProject } from './init/init.js';
