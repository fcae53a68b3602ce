import type { RunTimings } from '../core/index.js';

/** Timed parts of a run (every key of RunTimings but the total). */
export type TimedStep = Exclude<keyof RunTimings, 'totalMs'>;

/**
 * Measures where a run's time goes, so that the steps themselves carry no bookkeeping: `time()`
 * adds how long some work took to a step (several calls add up), `finish()` closes the total.
 */
export class RunClock {
  private readonly timings: RunTimings = { providerMs: 0, shimMs: 0, migrationsMs: 0, fixturesMs: 0, planMs: 0, executionMs: 0, totalMs: 0 };
  private readonly started = performance.now();

  /** Runs `work` and adds how long it took to `step`, whether it succeeds or fails. */
  async time<T>(step: TimedStep, work: () => Promise<T> | T): Promise<T> {
    const since = performance.now();
    try {
      return await work();
    } finally {
      this.since(step, since);
    }
  }

  /** Adds the time from `since` (a `performance.now()` reading) until now to `step`. */
  since(step: TimedStep, since: number): void {
    this.add(step, performance.now() - since);
  }

  add(step: TimedStep, ms: number): void {
    this.timings[step] = (this.timings[step] ?? 0) + ms;
  }

  /** The timings, the total measured until now. */
  finish(): RunTimings {
    return { ...this.timings, totalMs: performance.now() - this.started };
  }
}
