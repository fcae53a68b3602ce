import { HarnessError, type Reporter } from '../core/index.js';
import { createReporters, REPORTER_NAMES, type ReporterName } from '../reports/index.js';

export interface FileReporters {
  list: Reporter[];
  outDir?: string;
  /** Removes what a run that ends without its report wrote, and frees --out (a failure, a signal); nothing once the report is written. */
  abort(): Promise<void>;
}

/**
 * The file reporters named by --reporter, writing into --out (the manifest is always written with
 * them). The folder is claimed here, before PostgreSQL starts, so a run that cannot have it (another
 * run writes there, it holds other files) fails at once.
 */
export async function fileReporters(names: string, outDir: string, signKey: string | undefined): Promise<FileReporters> {
  const chosen = reporterNames(names);
  if (!chosen.length) return { list: [], abort: async () => undefined };
  const reports = createReporters({ outDir, reporters: chosen, ...(signKey ? { signKey } : {}), cwd: process.cwd() });
  await reports.claim();
  return { list: [reports], outDir, abort: () => reports.abort() };
}

/** The formats `--reporter` names (comma-separated; `none` for none). */
export function reporterNames(names: string): ReporterName[] {
  const chosen = names
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n && n !== 'none');
  const unknown = chosen.filter((n) => !(REPORTER_NAMES as readonly string[]).includes(n));
  if (unknown.length) throw new HarnessError('ERR_USAGE', `unknown reporter ${unknown.join(', ')} (choose from ${REPORTER_NAMES.join(', ')}, none)`);
  return chosen as ReporterName[];
}
