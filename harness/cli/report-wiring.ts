import type { Reporter } from '../../reports/types.js';

export const REPORTER_NAMES = ['junit', 'json', 'html', 'markdown'] as const;
type ReporterName = (typeof REPORTER_NAMES)[number];

/** The file reporters named by --reporter, writing into --out. */
export async function fileReporters(names: string, outDir: string, signKey: string | undefined): Promise<{ list: Reporter[]; files: string[] }> {
  const chosen = names.split(',').map((n) => n.trim()).filter((n) => n && n !== 'none');
  const unknown = chosen.filter((n) => !(REPORTER_NAMES as readonly string[]).includes(n));
  if (unknown.length) {
    const { HarnessError } = await import('../errors.js');
    throw new HarnessError('ERR_ROW_VALUE', `unknown reporter ${unknown.join(', ')} (choose from ${REPORTER_NAMES.join(', ')}, none)`);
  }
  if (!chosen.length) return { list: [], files: [] };
  const { createReporters } = await import('../../reports/index.js');
  const reporter = await createReporters({ outDir, reporters: chosen as ReporterName[], ...(signKey ? { signKey } : {}) });
  return { list: [reporter], files: [outDir] };
}

export async function verifyCommand(dir: string, flags: { key?: string }, io: { stdout: (t: string) => void; stderr: (t: string) => void }): Promise<number> {
  const { verifyReport } = await import('../../reports/verify.js');
  const result = await verifyReport(dir, flags.key ? { publicKey: flags.key } : {});
  io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}
