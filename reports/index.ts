import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CellResult, RunCounts, RunMeta, RunSummary } from '../harness/types.js';
import { FileSink, emptyCounts, tally, type ArtifactWriter, type AssembleContext } from './artifact.js';
import { ReportError } from './errors.js';
import { HTML_FILE, createHtmlWriter } from './html.js';
import { RESULTS_FILE, createJsonWriter } from './json.js';
import { JUNIT_FILE, createJunitWriter } from './junit.js';
import { loadSigningKey, type SigningKey } from './keys.js';
import { MANIFEST_FILE, SIGNATURE_FILE, writeManifest, type Manifest } from './manifest.js';
import { MARKDOWN_FILE, createMarkdownWriter, type MarkdownOptions } from './markdown.js';
import { ResultStore } from './store.js';
import type { Reporter } from './types.js';

/** The report formats; the manifest is always written. */
export type ReporterName = 'junit' | 'json' | 'html' | 'markdown';

/** Every format by name, in the order they are written. */
export const REPORTERS = {
  junit: () => createJunitWriter(),
  json: () => createJsonWriter(),
  html: () => createHtmlWriter(),
  markdown: (options: ReportOptions) => createMarkdownWriter(options.markdown),
} as const satisfies Record<ReporterName, (options: ReportOptions) => ArtifactWriter>;

/** Every name in REPORTERS, for `--reporter` validation and help. */
export const REPORTER_NAMES = Object.keys(REPORTERS) as ReporterName[];

/** Options of {@link createReporters} and {@link writeReports}. */
export interface ReportOptions {
  /** The report directory; created if absent. */
  outDir: string;
  /** Formats to write. @default every format */
  reporters?: readonly ReporterName[];
  /** Path of an Ed25519 private key (PEM PKCS8 or JWK) to sign the manifest with. Read at run start, never copied. */
  signKey?: string;
  /** Clock for `createdAt` and "generated at". @default () => new Date() */
  now?: () => Date;
  /** Base of the paths written in reports and of manifest sources. @default process.cwd() */
  cwd?: string;
  /** Further reporters to fan every hook out to (a progress bar, a custom sink…), called after ours. */
  extra?: readonly Reporter[];
  /** Options of summary.md. */
  markdown?: MarkdownOptions;
}

/** The composite reporter: a Reporter for the harness (every hook async), plus what it wrote. */
export interface ReportSet extends Reporter {
  onRunStart(meta: Readonly<RunMeta>): Promise<void>;
  onCellResult(result: Readonly<CellResult>): Promise<void>;
  onRunEnd(summary: Readonly<RunSummary>): Promise<void>;
  readonly outDir: string;
  /** Every file written, manifest (and signature) last; empty until `onRunEnd` has resolved. */
  readonly files: readonly string[];
  /** The manifest written by `onRunEnd`. */
  readonly manifest: Manifest | undefined;
  /** Deletes the results spooled so far, for a run that ends without `onRunEnd` (Ctrl-C, crash). */
  abort(): Promise<void>;
}

/** Names of every file a run may write, removed at run start so a report never mixes two runs. */
const OWN_FILES = [JUNIT_FILE, RESULTS_FILE, HTML_FILE, MARKDOWN_FILE, MANIFEST_FILE, SIGNATURE_FILE];
const SPOOL_FILE = '.rls-matrix-results.ndjson';

/**
 * Creates the reporters a run writes, as one Reporter. Results are spooled to a temporary NDJSON file
 * in `outDir` as cells finish; `onRunEnd` reads them back once, in report order, writes every chosen
 * format from that single pass, deletes the spool, and writes manifest.json (and manifest.sig) last.
 *
 * @throws {ReportError} `ERR_REPORT_UNKNOWN_REPORTER`; from the hooks, `ERR_REPORT_KEY`, `ERR_REPORT_WRITE`, `ERR_REPORT_STATE`.
 * @example
 * ```ts
 * const reports = createReporters({ outDir: 'rls-report', reporters: ['junit', 'html'], signKey: 'keys/report.pem' });
 * await runMatrix(matrix, { reporter: reports });
 * const written = reports.files; // junit.xml, report.html, manifest.json, manifest.sig
 * ```
 */
export function createReporters(options: ReportOptions): ReportSet {
  const names = [...new Set(options.reporters ?? REPORTER_NAMES)];
  for (const name of names) {
    if (!Object.hasOwn(REPORTERS, name)) {
      throw new ReportError('ERR_REPORT_UNKNOWN_REPORTER', `unknown reporter '${String(name)}' (known: ${REPORTER_NAMES.join(', ')})`);
    }
  }
  const outDir = path.resolve(options.outDir);
  const cwd = options.cwd ?? process.cwd();
  const now = options.now ?? (() => new Date());
  const extra = options.extra ?? [];
  let meta: Readonly<RunMeta> | undefined;
  let store: ResultStore | undefined;
  let key: SigningKey | undefined;
  let files: string[] = [];
  let manifest: Manifest | undefined;

  return {
    outDir,
    get files() {
      return files;
    },
    get manifest() {
      return manifest;
    },
    async onRunStart(runMeta) {
      if (store) throw new ReportError('ERR_REPORT_STATE', 'onRunStart called twice');
      // Read the key first: a bad key fails the run before any cell runs, not after.
      if (options.signKey !== undefined) key = await loadSigningKey(options.signKey);
      await mkdir(outDir, { recursive: true }).catch((err: unknown) => {
        throw new ReportError('ERR_REPORT_WRITE', `cannot create ${outDir}: ${String(err)}`, { path: outDir, cause: err });
      });
      await Promise.all(OWN_FILES.map((f) => rm(path.join(outDir, f), { force: true })));
      meta = runMeta;
      files = [];
      manifest = undefined;
      store = await ResultStore.create(path.join(outDir, SPOOL_FILE));
      for (const r of extra) await r.onRunStart?.(runMeta);
    },
    async onCellResult(result) {
      if (!store) throw new ReportError('ERR_REPORT_STATE', 'onCellResult called before onRunStart');
      const pending = store.append(result);
      for (const r of extra) await r.onCellResult?.(result);
      await pending;
    },
    async onRunEnd(summary) {
      if (!store || !meta) throw new ReportError('ERR_REPORT_STATE', 'onRunEnd called before onRunStart');
      const spool = store;
      try {
        await spool.close();
        const writers = names.map((name) => REPORTERS[name](options));
        const written = await assemble(spool, writers, { meta, summary, outDir, cwd, generatedAt: now() });
        const signed = await writeManifest(outDir, { meta, summary, counts: written.counts, artifacts: writers.map((w) => w.file), cwd, now, ...(key ? { signKey: key } : {}) });
        manifest = signed.manifest;
        files = [...writers.map((w) => path.join(outDir, w.file)), ...signed.files];
      } finally {
        await spool.remove();
        store = undefined;
      }
      for (const r of extra) await r.onRunEnd?.(summary);
    },
    async abort() {
      await store?.remove();
      store = undefined;
    },
  };
}

/** One pass over the spooled results, in report order, feeding every writer. */
async function assemble(
  spool: ResultStore,
  writers: readonly ArtifactWriter[],
  run: { meta: Readonly<RunMeta>; summary: Readonly<RunSummary>; outDir: string; cwd: string; generatedAt: Date },
): Promise<{ counts: RunCounts }> {
  const ordered = spool.reportOrder(run.meta);
  const counts = emptyCounts();
  const tables: { name: string; counts: RunCounts }[] = [];
  for (const i of ordered) {
    const status = spool.statusOf(i);
    const table = spool.tableOf(i);
    tally(counts, status);
    if (tables.at(-1)?.name !== table) tables.push({ name: table, counts: emptyCounts() });
    tally(tables.at(-1)!.counts, status);
  }
  const ctx: AssembleContext = { meta: run.meta, summary: run.summary, counts, tables, cwd: run.cwd, generatedAt: run.generatedAt };
  const sinks = writers.map((w) => new FileSink(path.join(run.outDir, w.file)));
  try {
    await feed(sinks, writers.map((w) => w.begin(ctx)));
    for (const result of spool.read(ordered)) await feed(sinks, writers.map((w) => w.add(result)));
    await feed(sinks, writers.map((w) => w.end()));
  } catch (err) {
    await Promise.all(sinks.map((s) => s.close().catch(() => undefined)));
    throw err;
  }
  await Promise.all(sinks.map((s) => s.close()));
  return { counts };
}

async function feed(sinks: readonly FileSink[], chunks: readonly string[]): Promise<void> {
  const pending = sinks.map((sink, i) => sink.write(chunks[i] ?? '')).filter((p) => p !== undefined);
  if (pending.length > 0) await Promise.all(pending);
}

/**
 * Writes every report for results already at hand: calls the hooks of {@link createReporters} in order.
 *
 * @returns the files written (manifest last) and the manifest.
 * @example
 * ```ts
 * const { files } = await writeReports(meta, results, summary, { outDir: 'rls-report' });
 * ```
 */
export async function writeReports(
  meta: Readonly<RunMeta>,
  results: Iterable<Readonly<CellResult>> | AsyncIterable<Readonly<CellResult>>,
  summary: Readonly<RunSummary>,
  options: ReportOptions,
): Promise<{ files: readonly string[]; manifest: Manifest }> {
  const reports = createReporters(options);
  await reports.onRunStart(meta);
  try {
    for await (const result of results) await reports.onCellResult(result);
    await reports.onRunEnd(summary);
  } catch (err) {
    await reports.abort();
    throw err;
  }
  return { files: reports.files, manifest: reports.manifest! };
}

export { ReportError, type ReportErrorCode } from './errors.js';
export type { Reporter } from './types.js';
export { verifyReport, type VerifyOptions, type VerifyResult, type VerifyProblem, type VerifyProblemKind, type SignatureStatus } from './verify.js';
export { writeManifest, MANIFEST_FILE, SIGNATURE_FILE, type Manifest, type ManifestEntry, type SignaturePayload, type WriteManifestOptions } from './manifest.js';
export { readResultsFile, RESULTS_FILE, RESULTS_FORMAT_VERSION, type ResultsFile } from './json.js';
export { JUNIT_FILE } from './junit.js';
export { HTML_FILE } from './html.js';
export { MARKDOWN_FILE, type MarkdownOptions } from './markdown.js';
