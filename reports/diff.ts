import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type CellDiff, type CellResult, compareOutcomes, type DiffCell, diffCells, type DiffSideInfo, type RunMeta } from '../core/index.js';
import { ReportError } from './errors.js';
import { readResultsFile, RESULTS_FILE, type ResultsFile } from './json.js';
import { MANIFEST_FILE } from './manifest.js';
import { verifyReport } from './verify.js';

/** Options of {@link diffReports}. */
export interface DiffReportsOptions {
  /** Ed25519 public key (PEM or JWK) both reports' manifests must be signed with. Without it, signatures are not checked. */
  publicKey?: string;
  /** Compare runs of matrices with different names (refused otherwise: their cells rarely mean the same). */
  anyMatrix?: boolean;
  /** Base of the manifests' source paths. @default process.cwd() */
  cwd?: string;
}

/** A report opened for a diff: where it is, and its verified results. */
interface OpenedReport {
  path: string;
  results: ResultsFile;
}

/**
 * Compares what two runs observed (two commits, staging and production, two PostgreSQL majors), cell
 * by cell, matched by their stable id. Each side is a report folder or its results.json, and is
 * checked against its manifest first: a folder that is not a report, a report without results.json,
 * or one whose artifacts or signature do not match its manifest is refused.
 *
 * @throws {ReportError} `ERR_REPORT_MANIFEST` not a report; `ERR_REPORT_NOT_INTACT` tampered;
 *   `ERR_REPORT_RESULTS_FORMAT` no or an unreadable results.json; `ERR_REPORT_INCOMPARABLE` other matrices or no cell in common.
 * @example
 * ```ts
 * const diff = await diffReports('reports/main', 'reports/pr');
 * if (diff.counts.widened > 0) console.log(diffMarkdown(diff, { failOn: ['widened'] }));
 * ```
 */
export async function diffReports(before: string, after: string, options: DiffReportsOptions = {}): Promise<CellDiff> {
  const a = await openReport(before, options);
  const b = await openReport(after, options);
  return diffResults(a, b, options);
}

/**
 * The pure comparison of {@link diffReports}, over results already read and trusted.
 *
 * @throws {ReportError} `ERR_REPORT_INCOMPARABLE` runs of differently named matrices (without `anyMatrix`), or no cell in common.
 */
function diffResults(before: OpenedReport, after: OpenedReport, options: Pick<DiffReportsOptions, 'anyMatrix'> = {}): CellDiff {
  const [ma, mb] = [before.results.meta, after.results.meta];
  if (ma.matrixName !== mb.matrixName && !options.anyMatrix) {
    throw new ReportError(
      'ERR_REPORT_INCOMPARABLE',
      `${before.path} is a run of matrix '${ma.matrixName}' and ${after.path} of '${mb.matrixName}': a diff compares runs of one matrix (pass --any-matrix to compare them anyway)`,
      { path: after.path },
    );
  }
  const { changes, counts } = diffCells(before.results.results.map(diffCell), after.results.results.map(diffCell), compareOutcomes);
  if (counts.added === after.results.results.length && counts.removed === before.results.results.length && (counts.added > 0 || counts.removed > 0)) {
    throw new ReportError('ERR_REPORT_INCOMPARABLE', `${before.path} and ${after.path} share no cell: they are runs of different matrices, so there is nothing to compare`, { path: after.path });
  }
  return { mode: 'results', before: sideInfo(before), after: sideInfo(after), changes, counts, notes: personaNotes(ma, mb) };
}

/** A report folder or its results.json, verified against the manifest, with its results read. */
async function openReport(given: string, options: DiffReportsOptions): Promise<OpenedReport> {
  const info = await stat(given).catch(() => undefined);
  if (!info) throw new ReportError('ERR_REPORT_MANIFEST', `${given} does not exist: give a report folder (such as rls-report) or its ${RESULTS_FILE}`, { path: given });
  if (!info.isDirectory() && path.basename(given) !== RESULTS_FILE) {
    throw new ReportError('ERR_REPORT_MANIFEST', `${given} is neither a report folder nor a ${RESULTS_FILE} (to compare two matrices' expectations, give two matrix files)`, { path: given });
  }
  const dir = info.isDirectory() ? given : path.dirname(given);
  const verified = await verifyReport(dir, { ...(options.publicKey === undefined ? {} : { publicKey: options.publicKey }), cwd: options.cwd ?? process.cwd() }).catch((error: unknown) => {
    if (error instanceof ReportError && error.code === 'ERR_REPORT_MANIFEST') {
      throw new ReportError('ERR_REPORT_MANIFEST', `${dir} is not an rls-matrix report: ${error.message} (diff compares report folders that runs wrote, each checked against its ${MANIFEST_FILE})`, {
        path: dir,
        cause: error,
      });
    }
    throw error;
  });
  if (!verified.reportIntact) {
    const problems = verified.problems.filter((p) => p.kind !== 'altered source' && p.kind !== 'missing source');
    throw new ReportError(
      'ERR_REPORT_NOT_INTACT',
      `${dir} does not match its manifest, so its results cannot be trusted: ${problems.map((p) => p.message).join('; ')} (rls-matrix verify ${dir} lists every problem)`,
      { path: dir },
    );
  }
  if (!verified.manifest.artifacts.some((a) => a.path === RESULTS_FILE)) {
    throw new ReportError('ERR_REPORT_RESULTS_FORMAT', `${dir} has no ${RESULTS_FILE}: its run did not write the json report (run again with --reporter json, or without --reporter)`, { path: dir });
  }
  return { path: given, results: await readResultsFile(path.join(dir, RESULTS_FILE)) };
}

function diffCell({ cell, outcome, status }: CellResult): DiffCell {
  const { id, table, persona, operation, caseName, scope, scopePredicate, expected, source } = cell;
  return {
    id,
    table,
    persona,
    operation,
    ...(caseName === undefined ? {} : { caseName }),
    ...(scope === undefined ? {} : { scope, scopePredicate: scopePredicate ?? '' }),
    expected,
    source,
    outcome,
    status,
  };
}

function sideInfo({ path: given, results: { meta, results } }: OpenedReport): DiffSideInfo {
  return {
    path: given,
    matrixName: meta.matrixName,
    cells: results.length,
    postgresVersion: meta.postgresVersion,
    provider: meta.provider,
    ...(meta.gitCommit === undefined ? {} : { gitCommit: meta.gitCommit }),
    startedAt: meta.startedAt,
    schemaFingerprint: meta.schemaFingerprint,
  };
}

/** A persona that acts as another role on the other side changes what every one of its cells means. */
function personaNotes(before: RunMeta, after: RunMeta): string[] {
  const roles = new Map(before.personas.map((p) => [p.name, p.role]));
  return after.personas.filter((p) => roles.has(p.name) && roles.get(p.name) !== p.role).map((p) => `persona ${p.name} is role ${roles.get(p.name)} before, ${p.role} after`);
}
