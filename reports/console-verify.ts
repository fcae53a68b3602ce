import type { VerifyResult } from './verify.js';

const SIGNATURE: Readonly<Record<VerifyResult['signature']['status'], string>> = {
  valid: 'signature valid',
  invalid: 'SIGNATURE INVALID',
  missing: 'SIGNATURE MISSING',
  unchecked: 'signed, not checked (pass --key to check it)',
  unsigned: 'not signed',
};

/** `rls-matrix verify`'s console output: one line when the report is intact, else each problem. */
export function verifyConsoleText(dir: string, result: Pick<VerifyResult, 'ok' | 'problems' | 'reportIntact' | 'signature'>): string {
  const signature = SIGNATURE[result.signature.status];
  if (result.ok) return `✓ ${dir}: every artifact and source matches the manifest; ${signature}\n`;
  let text = `✗ ${dir}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}; ${signature}\n`;
  for (const problem of result.problems) text += `  ${problem.kind}: ${problem.path} — ${problem.message}\n`;
  if (result.reportIntact) text += '  (the report itself is intact: only sources it was made from have changed since)\n';
  return text;
}
