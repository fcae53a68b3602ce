import { main } from '../cli/main.js';

/** The command line run in this process, as CI would (no terminal): its exit code and what it printed. */
export async function cliInProcess(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), isTTY: false, env: { ...process.env, CI: 'true' } };
  const code = await main(['node', 'rls-matrix', ...args], io);
  return { code, stdout, stderr };
}
