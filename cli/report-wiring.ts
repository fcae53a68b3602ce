import type { Reporter } from '../reports/types.js';
import { HarnessError } from '../core/errors.js';

/** Every file report, in the order --reporter lists them by default. */
export const REPORTER_NAMES = ['junit', 'json', 'html', 'markdown'] as const;
type ReporterName = (typeof REPORTER_NAMES)[number];

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
  const chosen = names.split(',').map((n) => n.trim()).filter((n) => n && n !== 'none');
  const unknown = chosen.filter((n) => !(REPORTER_NAMES as readonly string[]).includes(n));
  if (unknown.length) throw new HarnessError('ERR_USAGE', `unknown reporter ${unknown.join(', ')} (choose from ${REPORTER_NAMES.join(', ')}, none)`);
  if (!chosen.length) return { list: [], abort: async () => undefined };
  const { createReporters } = await import('../reports/index.js');
  const reports = createReporters({ outDir, reporters: chosen as ReporterName[], ...(signKey ? { signKey } : {}), cwd: process.cwd() });
  await reports.claim();
  return { list: [reports], outDir, abort: () => reports.abort() };
}

/** `rls-matrix verify DIR`: 0 intact, 1 altered or missing, 2 no manifest or a bad key. */
export async function verifyCommand(dir: string, flags: { key?: string }, io: { stdout: (t: string) => void; stderr: (t: string) => void }): Promise<number> {
  const { verifyReport } = await import('../reports/verify.js');
  let result;
  try {
    result = await verifyReport(dir, { ...(flags.key ? { publicKey: flags.key } : {}), cwd: process.cwd() });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_REPORT_MANIFEST' || code === 'ERR_REPORT_KEY') {
      io.stderr(`rls-matrix: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
  const where = dir;
  const signature = {
    valid: 'signature valid',
    invalid: 'SIGNATURE INVALID',
    missing: 'SIGNATURE MISSING',
    unchecked: 'signed, not checked (pass --key to check it)',
    unsigned: 'not signed',
  }[result.signature.status];
  if (result.ok) {
    io.stdout(`✓ ${where}: every artifact and source matches the manifest; ${signature}\n`);
    return 0;
  }
  io.stdout(`✗ ${where}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}; ${signature}\n`);
  for (const problem of result.problems) io.stdout(`  ${problem.kind}: ${problem.path} — ${problem.message}\n`);
  if (result.reportIntact) io.stdout('  (the report itself is intact: only sources it was made from have changed since)\n');
  return 1;
}
