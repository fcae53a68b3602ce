import { once } from 'node:events';
import { closeSync, createWriteStream, openSync, readSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { operationRank, type CellResult, type CellStatus, type RunMeta } from '../core/index.js';
import { drained } from './artifact.js';
import { ReportError } from './errors.js';

/**
 * Where results wait between `onCellResult` and `onRunEnd`: one JSON line per result appended to a
 * temporary file, plus a small in-memory index (position, table, status…) per result. At the end the
 * results are read back in report order (table, persona, operation, scope) without ever holding them
 * all in memory. Internal to `reports/`.
 */

/**
 * What the store remembers about each result, one column per field (a 100,000-cell run keeps ~100
 * bytes per result instead of an object of ~270): where its line is, and what orders and counts it.
 * Names (tables, personas, operations, scopes) are stored once and referred to by number.
 */
class ResultIndex {
  readonly offsets: number[] = [];
  readonly lengths: number[] = [];
  readonly statuses: number[] = [];
  readonly tables: number[] = [];
  readonly personas: number[] = [];
  /** The operation, or the case name for a named case. */
  readonly operations: number[] = [];
  /** 1 when the cell is a named case whose name differs from its operation. */
  readonly renamed: number[] = [];
  /** -1 for a whole-table cell. */
  readonly scopes: number[] = [];
  readonly ids: string[] = [];
  readonly names: string[] = [];
  readonly #numbers = new Map<string, number>();

  add(offset: number, length: number, result: Readonly<CellResult>): void {
    const { cell } = result;
    const operation = cell.caseName ?? cell.operation;
    this.offsets.push(offset);
    this.lengths.push(length);
    this.statuses.push(STATUSES.indexOf(result.status));
    this.tables.push(this.#number(cell.table));
    this.personas.push(this.#number(cell.persona));
    this.operations.push(this.#number(operation));
    this.renamed.push(cell.caseName && cell.caseName !== cell.operation ? 1 : 0);
    this.scopes.push(cell.scope === undefined ? -1 : this.#number(cell.scope));
    this.ids.push(cell.id);
  }

  get size(): number {
    return this.ids.length;
  }

  #number(name: string): number {
    let n = this.#numbers.get(name);
    if (n === undefined) {
      n = this.names.length;
      this.names.push(name);
      this.#numbers.set(name, n);
    }
    return n;
  }
}

const STATUSES: readonly CellStatus[] = ['pass', 'fail', 'error', 'known'];

/** Most bytes read from disk at once when results come back. */
const READ_WINDOW = 1 << 20;
/** Largest stretch of other results skipped over to merge two reads into one. */
const MAX_GAP = 64 << 10;

/** The spool of one run: append while cells finish, read back in any order at the end. */
export class ResultStore {
  readonly #index = new ResultIndex();
  #size = 0;
  #stream: WriteStream;
  #failure: unknown;
  #closed = false;
  #drain: Promise<void> | undefined;

  private constructor(
    readonly file: string,
    stream: WriteStream,
  ) {
    this.#stream = stream;
    stream.on('error', (err) => {
      this.#failure ??= err;
    });
  }

  /** Creates (truncates) the spool file. */
  static async create(file: string): Promise<ResultStore> {
    const stream = createWriteStream(file, { flags: 'w' });
    await Promise.race([once(stream, 'open'), once(stream, 'error').then(([err]) => Promise.reject(err))]).catch((err: unknown) => {
      throw new ReportError('ERR_REPORT_WRITE', `cannot create ${file}: ${String(err)}`, { path: file, cause: err });
    });
    return new ResultStore(file, stream);
  }

  /** Appends a result. Synchronous bookkeeping, so concurrent callers keep a consistent index; waits only for backpressure. */
  append(result: Readonly<CellResult>): Promise<void> | undefined {
    this.#check();
    if (this.#closed) throw new ReportError('ERR_REPORT_STATE', 'a result arrived after the run ended');
    const line = `${JSON.stringify(result)}\n`;
    const length = Buffer.byteLength(line);
    this.#index.add(this.#size, length, result);
    this.#size += length;
    if (this.#stream.write(line) && !this.#drain) return undefined;
    // One shared wait, however many callers append concurrently while the buffer is full.
    this.#drain ??= drained(this.#stream).then(
      () => {
        this.#drain = undefined;
      },
      (error: unknown) => {
        this.#drain = undefined;
        this.#failure ??= error;
        this.#check();
      },
    );
    return this.#drain;
  }

  /** Flushes and closes the spool file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#stream.destroyed) await new Promise<void>((resolve) => this.#stream.end(resolve));
    this.#check();
  }

  /** How many results were appended. */
  get size(): number {
    return this.#index.size;
  }

  /** The table and status of result `i` (in append order). */
  tableOf(i: number): string {
    return this.#index.names[this.#index.tables[i]!]!;
  }

  statusOf(i: number): CellStatus {
    return STATUSES[this.#index.statuses[i]!]!;
  }

  /**
   * Result numbers in report order: tables and personas as the run declared them, operations in CRUD
   * order then named cases alphabetically, whole-table cells before scopes, scopes alphabetically; the
   * cell id breaks ties, so the order never depends on which worker finished first.
   */
  reportOrder(meta: Pick<RunMeta, 'tables' | 'personas'>): number[] {
    const x = this.#index;
    const rankOf = (order: readonly string[]) => {
      const ranks = new Map(order.map((name, i) => [name, i]));
      return x.names.map((name) => ranks.get(name) ?? Number.MAX_SAFE_INTEGER);
    };
    const tableRank = rankOf(meta.tables);
    const personaRank = rankOf(meta.personas.map((p) => p.name));
    const opRank = (i: number) => (x.renamed[i] ? 100 : operationRank(x.names[x.operations[i]!]!));
    const name = (n: number) => x.names[n]!;
    const order = Array.from({ length: x.size }, (_, i) => i);
    return order.sort(
      (a, b) =>
        tableRank[x.tables[a]!]! - tableRank[x.tables[b]!]! ||
        compare(name(x.tables[a]!), name(x.tables[b]!)) ||
        personaRank[x.personas[a]!]! - personaRank[x.personas[b]!]! ||
        compare(name(x.personas[a]!), name(x.personas[b]!)) ||
        opRank(a) - opRank(b) ||
        compare(name(x.operations[a]!), name(x.operations[b]!)) ||
        (x.scopes[a]! < 0 ? 0 : 1) - (x.scopes[b]! < 0 ? 0 : 1) ||
        compare(x.scopes[a]! < 0 ? '' : name(x.scopes[a]!), x.scopes[b]! < 0 ? '' : name(x.scopes[b]!)) ||
        compare(x.ids[a]!, x.ids[b]!),
    );
  }

  /**
   * Reads results back in the given order (result numbers, e.g. from `reportOrder`). Results that lie
   * close together in the file are fetched with one read; scattered ones with one read each, so the
   * cost stays proportional to the results, whatever order the workers finished in. Reads are
   * synchronous: positioned reads of a file the page cache still holds take microseconds, where each
   * asynchronous one costs a thread-pool round trip (10,000 scattered results: ~40 ms against ~1.6 s).
   */
  *read(order: readonly number[]): Generator<CellResult> {
    const { offsets, lengths } = this.#index;
    const fd = openSync(this.file, 'r');
    try {
      for (let k = 0; k < order.length; ) {
        const first = order[k]!;
        const start = offsets[first]!;
        let end = start + lengths[first]!;
        let j = k + 1;
        for (; j < order.length; j++) {
          const next = order[j]!;
          const at = offsets[next]!;
          if (at < end || at - end > MAX_GAP || at + lengths[next]! - start > READ_WINDOW) break;
          end = at + lengths[next]!;
        }
        const buffer = Buffer.allocUnsafe(end - start);
        const bytesRead = readSync(fd, buffer, 0, buffer.length, start);
        if (bytesRead < buffer.length) throw new ReportError('ERR_REPORT_STATE', `${this.file} is shorter than expected`, { path: this.file });
        for (; k < j; k++) {
          const from = offsets[order[k]!]! - start;
          yield JSON.parse(buffer.toString('utf8', from, from + lengths[order[k]!]!)) as CellResult;
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Closes and deletes the spool file. */
  async remove(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#stream.destroy();
    }
    await rm(this.file, { force: true });
  }

  /** Throws the stream's failure, on every call once it failed: a failed spool takes no more results. */
  #check(): void {
    if (this.#failure !== undefined) {
      const cause = this.#failure;
      throw new ReportError('ERR_REPORT_WRITE', `cannot write ${this.file}: ${String(cause)}`, { path: this.file, cause });
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
