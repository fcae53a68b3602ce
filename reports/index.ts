import path from 'node:path';
import type { CellResult, Reporter, RunCounts, RunMeta, RunSummary } from '../core/index.js';
import { type ArtifactWriter, type AssembleContext, emptyCounts, FileSink, tally } from './artifact.js';
import { ReportError, withDiskFull } from './errors.js';
import { claimReportFolder, type ReportFolder } from './folder.js';
import { createHtmlWriter, HTML_FILE } from './html.js';
import { createJsonWriter, RESULTS_FILE } from './json.js';
import { createJunitWriter, JUNIT_FILE } from './junit.js';
import { loadSigningKey, type SigningKey } from './keys.js';
import { type Manifest, type ManifestEntry, MANIFEST_FILE, SIGNATURE_FILE, writeManifest } from './manifest.js';
import { type MergeOptions, type MergeOutcome, mergeShardReports } from './merge/merge.js';
import { createMarkdownWriter, MARKDOWN_FILE, type MarkdownOptions } from './markdown.js';
import { ResultStore } from './store.js';

/** Every file format by name, in the order they are written (the manifest is always written). Adding a reporter: docs/architecture.md. */
const REPORTERS = {
  junit: { file: JUNIT_FILE, create: () => createJunitWriter() },
  json: { file: RESULTS_FILE, create: () => createJsonWriter() },
  html: { file: HTML_FILE, create: () => createHtmlWriter() },
  markdown: { file: MARKDOWN_FILE, create: (options: ReportOptions) => createMarkdownWriter(options.markdown) },
} as const satisfies Record<string, { file: string; create: (options: ReportOptions) => ArtifactWriter }>;

/** The report formats; the manifest is always written. */
export type ReporterName = keyof typeof REPORTERS;

/** Every name in REPORTERS, for `--reporter` validation and help. */
export const REPORTER_NAMES = Object.keys(REPORTERS) as ReporterName[];

/** Options of {@link createReporters} and {@link writeReports}. */
export interface ReportOptions {
  /**
   * The report directory: created if absent, replaced as a whole (a folder holding other files is
   * refused), and only ever seen complete (written beside it and moved into place at the end).
   */
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
  /** The manifest's source hashes as given, not read from disk now (`merge`: as the shards read them). */
  manifestSources?: readonly ManifestEntry[];
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
  /**
   * Takes the report folder for this run (loads the signing key, locks the folder, removes an
   * earlier report): fails at once when another run holds it. `onRunStart` does it when not done
   * before; a command line calls it before starting PostgreSQL, so a refusal costs nothing.
   */
  claim(): Promise<void>;
  /** Removes everything this run wrote and frees the folder, for a run that ends without `onRunEnd` (Ctrl-C, crash). */
  abort(): Promise<void>;
}

const SPOOL_FILE = '.rls-matrix-results.ndjson';
/** Every name a report folder may hold (the spool: a folder of an earlier version's interrupted run). */
const OWN_FILES = [...Object.values(REPORTERS).map((r) => r.file), MANIFEST_FILE, SIGNATURE_FILE, SPOOL_FILE];

/**
 * Creates the reporters a run writes, as one Reporter. The run writes into a private folder beside
 * `outDir`, which it locks (see `claim`). Results are spooled there to an NDJSON file as cells
 * finish; `onRunEnd` reads them back once, in report order, writes every chosen format from that
 * single pass, deletes the spool, writes manifest.json (and manifest.sig) last, and moves the
 * folder into place.
 *
 * @throws {ReportError} `ERR_REPORT_UNKNOWN_REPORTER`; from the hooks, `ERR_REPORT_KEY`, `ERR_REPORT_LOCKED`, `ERR_REPORT_FOLDER`,
 *   `ERR_REPORT_DISK_FULL`, `ERR_REPORT_WRITE`, `ERR_REPORT_STATE`.
 * @example
 * ```ts
 * const reports = createReporters({ outDir: 'rls-report', reporters: ['junit', 'html'], signKey: 'keys/report.pem' });
 * await runMatrix({ matrices: ['rls-matrix.yaml'], reporters: [reports] });
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
  let claimed: Promise<ReportFolder> | undefined;
  let files: string[] = [];
  let manifest: Manifest | undefined;
  // Every failure under the folder names it when the disk is full.
  const failed = (error: unknown) => withDiskFull(error, outDir);
  const claim = () =>
    (claimed ??= (async () => {
      // Read the key first: a bad key fails the run before any cell runs, not after.
      if (options.signKey !== undefined) key = await loadSigningKey(options.signKey);
      return claimReportFolder(outDir, OWN_FILES);
    })());
  const abort = async () => {
    await store?.remove();
    store = undefined;
    const folder = claimed;
    claimed = undefined;
    await folder?.then(
      (f) => f.discard(),
      () => undefined,
    );
  };

  return {
    outDir,
    get files() {
      return files;
    },
    get manifest() {
      return manifest;
    },
    async claim() {
      await claim();
    },
    async onRunStart(runMeta) {
      if (store) throw new ReportError('ERR_REPORT_STATE', 'onRunStart called twice');
      try {
        const folder = await claim();
        meta = runMeta;
        files = [];
        manifest = undefined;
        store = await ResultStore.create(path.join(folder.staging, SPOOL_FILE));
      } catch (error) {
        await abort();
        throw failed(error);
      }
      for (const r of extra) await r.onRunStart?.(runMeta);
    },
    async onCellResult(result) {
      if (!store) throw new ReportError('ERR_REPORT_STATE', 'onCellResult called before onRunStart');
      try {
        const pending = store.append(result);
        for (const r of extra) await r.onCellResult?.(result);
        await pending;
      } catch (error) {
        throw failed(error);
      }
    },
    async onRunEnd(summary) {
      if (!store || !meta || !claimed) throw new ReportError('ERR_REPORT_STATE', 'onRunEnd called before onRunStart');
      const spool = store;
      const folder = await claimed;
      try {
        await spool.close();
        const writers = names.map((name) => REPORTERS[name].create(options));
        const written = await assemble(spool, writers, { meta, summary, outDir: folder.staging, cwd, generatedAt: now() });
        await spool.remove();
        const signed = await writeManifest(folder.staging, {
          meta,
          summary,
          counts: written.counts,
          artifacts: writers.map((w) => w.file),
          cwd,
          now,
          ...(key ? { signKey: key } : {}),
          ...(options.manifestSources ? { sources: options.manifestSources } : {}),
        });
        await folder.publish();
        store = undefined;
        claimed = undefined;
        manifest = signed.manifest;
        files = [...writers.map((w) => w.file), ...signed.files.map((f) => path.basename(f))].map((f) => path.join(outDir, f));
      } catch (error) {
        await abort();
        throw failed(error);
      }
      for (const r of extra) await r.onRunEnd?.(summary);
    },
    abort,
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
    await feed(
      sinks,
      writers.map((w) => w.begin(ctx)),
    );
    for (const result of spool.read(ordered))
      await feed(
        sinks,
        writers.map((w) => w.add(result)),
      );
    await feed(
      sinks,
      writers.map((w) => w.end()),
    );
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

/**
 * Combines the reports of every shard of one run (`run --shard i/n`, one CI job each) into the whole
 * run's report, written in every format asked for as a run writes it (see `mergeShardReports` for
 * what is verified and refused). Returns the merged meta and summary (its exit code is the run's).
 *
 * @example
 * ```ts
 * const { summary } = await mergeReports(['shard-1', 'shard-2'], { outDir: 'rls-report', signKey: 'keys/report.pem' });
 * process.exitCode = summary.exitCode;
 * ```
 */
export function mergeReports(dirs: readonly string[], options: ReportOptions & MergeOptions): Promise<MergeOutcome> {
  return mergeShardReports(dirs, options, (meta, results, summary, manifest) => writeReports(meta, results, summary, { ...options, manifestSources: manifest.sources }));
}

export { ReportError } from './errors.js';
export type { MergeOptions, MergeOutcome } from './merge/merge.js';
export { cellFailureText } from './cell-failure.js';
export { consoleReporter } from './console.js';
export { lintConsoleText } from './console-lint.js';
export { mutateConsoleText } from './mutation.js';
export { verifyConsoleText } from './console-verify.js';
export { diffConsoleText } from './console-diff.js';
export { diffReports, type DiffReportsOptions } from './diff.js';
export { diffMarkdown } from './markdown-diff.js';
export { recordConsoleText } from './console-record.js';
export { initConsoleText } from './console-init.js';
export { jsonWithoutControls, operationLabel } from './format.js';
export { CLEAR_LINE, painter, terminalText } from './terminal.js';
export { verifyReport, type VerifyResult } from './verify.js';
export { type Manifest } from './manifest.js';
export { readResultsFile, type ResultsFile } from './json.js';
export { VersionComparison, versionsConsoleText, versionsMarkdown } from './versions.js';
export { explainConsoleText, findCell } from './explain.js';
export { actionsReporter } from './annotations.js';
