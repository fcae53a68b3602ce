// Kept in the emitted .d.ts: a project whose tsconfig lists its `types` still loads @types/node for this file.
/// <reference types="node" preserve="true" />
import { createWriteStream, type WriteStream } from 'node:fs';
import type { CellResult, CellStatus, RunCounts, RunMeta, RunSummary } from '../core/index.js';
import { ReportError } from './errors.js';

/**
 * The shape every report format shares: text is produced in three steps (begin, one chunk per result
 * in report order, end), so a format never needs all results at once and building text stays separate
 * from where it is written. Internal to `reports/`.
 */

/** What a format knows when it begins: everything except the results themselves. */
export interface AssembleContext {
  readonly meta: Readonly<RunMeta>;
  readonly summary: Readonly<RunSummary>;
  /** Counted from the results the report holds (what CI shows must add up). */
  readonly counts: Readonly<RunCounts>;
  /** Results per table, in report order. */
  readonly tables: readonly { name: string; counts: Readonly<RunCounts> }[];
  /** Paths in reports are written relative to this directory. */
  readonly cwd: string;
  /** When the report was written. */
  readonly generatedAt: Date;
}

/** One report format, written as a stream of text chunks. */
export interface ArtifactWriter {
  /** File name inside the report directory. */
  readonly file: string;
  begin(ctx: AssembleContext): string;
  /** Called once per result, grouped by table, in report order. */
  add(result: Readonly<CellResult>): string;
  end(): string;
}

/** Runs a writer over results held in memory: for tests and small runs. */
export function renderArtifact(writer: ArtifactWriter, ctx: AssembleContext, results: Iterable<Readonly<CellResult>>): string {
  let text = writer.begin(ctx);
  for (const result of results) text += writer.add(result);
  return text + writer.end();
}

/** An empty tally. */
export function emptyCounts(): RunCounts {
  return { total: 0, pass: 0, fail: 0, error: 0, known: 0 };
}

/** Adds one status to a tally. */
export function tally(counts: RunCounts, status: CellStatus): void {
  counts.total += 1;
  counts[status] += 1;
}

/** Chunks are gathered up to this size before they reach the file system. */
const BLOCK = 64 << 10;

/** A file being written chunk by chunk, in blocks, honouring backpressure. */
export class FileSink {
  #stream: WriteStream;
  #failure: unknown;
  #pending = '';

  constructor(readonly path: string) {
    this.#stream = createWriteStream(path, { flags: 'w' });
    this.#stream.on('error', (err) => {
      this.#failure ??= err;
    });
  }

  write(chunk: string): Promise<void> | undefined {
    this.#check();
    this.#pending += chunk;
    if (this.#pending.length < BLOCK) return undefined;
    return this.#flush();
  }

  async close(): Promise<void> {
    if (this.#pending !== '') await this.#flush();
    if (!this.#stream.destroyed) {
      await new Promise<void>((resolve) => {
        this.#stream.end(resolve);
        this.#stream.once('error', () => resolve());
      });
    }
    this.#check();
  }

  #flush(): Promise<void> | undefined {
    const block = this.#pending;
    this.#pending = '';
    if (this.#stream.write(block)) return undefined;
    return drained(this.#stream).then(
      () => this.#check(),
      (error: unknown) => {
        this.#failure ??= error;
        this.#check();
      },
    );
  }

  #check(): void {
    if (this.#failure === undefined) return;
    const cause = this.#failure;
    throw new ReportError('ERR_REPORT_WRITE', `cannot write ${this.path}: ${String(cause)}`, { path: this.path, cause });
  }
}

/**
 * Resolves when `stream` takes writes again. Rejects when it fails or closes instead: a stream that
 * failed (ENOSPC) never emits 'drain' again, and waiting for it hung the run forever.
 */
export function drained(stream: WriteStream): Promise<void> {
  if (stream.destroyed) return Promise.reject(stream.errored ?? new Error('the file was closed'));
  return new Promise((resolve, reject) => {
    const settle = (error?: unknown) => {
      stream.off('drain', onDrain).off('error', onError).off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = () => settle();
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(stream.errored ?? new Error('the file was closed'));
    stream.on('drain', onDrain).on('error', onError).on('close', onClose);
  });
}
