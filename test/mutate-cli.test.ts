import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import type { ResultsFile } from '../reports/json.js';
import { tempDir } from './helpers.js';

const weak = join(import.meta.dirname, 'projects/mutate/weak.yaml');

/** The command line in process, as a user runs it in CI (no colours, no progress). */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'rls-matrix', ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, env: { ...process.env, CI: 'true' } });
  return { code, stdout, stderr };
}

describe('rls-matrix mutate (command line)', () => {
  it('prints survivors with their statement and suggestion, writes the Mutation section into every report, and exits 1 under --fail-under', async () => {
    const out = join(await tempDir('rls-mutate-'), 'report');
    const { code, stdout, stderr } = await cli(['mutate', weak, '--out', out, '--fail-under', '50', '--workers', '2']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout).toContain('✘ survived  policy-drop:public.notes.notes_write\n    policy "notes_write" dropped\n    drop policy "notes_write" on "public"."notes"\n');
    expect(stdout).toContain('    → no cell checks alice inserting public.notes: add insert: allow on the rows policy "notes_write" lets through\n');
    expect(stdout).toMatch(/\nFAIL mutate: score 20 % — 4 killed, 16 survived of 20 mutants · --fail-under 50\n/);

    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as ResultsFile;
    expect(results.summary.mutation?.counts).toEqual({ total: 20, killed: 4, survived: 16, errored: 0, waived: 0 });
    expect(results.results.map((r) => r.cell.id).sort()).toEqual(['public.notes/alice/select/others', 'public.notes/alice/select/own']);
    const markdown = await readFile(join(out, 'summary.md'), 'utf8');
    expect(markdown).toContain('### Mutation');
    expect(markdown).toContain('| policy-drop:public.notes.notes_write | survived | `drop policy "notes_write" on "public"."notes"` |');
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<section class="panel" id="mutation"><h3>Mutation</h3><p><strong>score 20 % — 4 killed, 16 survived of 20 mutants</strong>');
    expect(html).toContain('<td class="mono">policy-drop:public.notes.notes_write</td><td><code>drop policy &#34;notes_write&#34; on &#34;public&#34;.&#34;notes&#34;</code></td>');
    // The report verifies like a run's.
    expect((await cli(['verify', out])).code).toBe(0);
  });

  it('refuses --provider url with the reason, exit 2, before connecting anywhere', async () => {
    const { code, stderr } = await cli(['mutate', weak, '--url', 'postgres://nobody@127.0.0.1:1/none', '--reporter', 'none']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^rls-matrix: mutate changes policies, RLS flags, functions and grants in copies of the prepared database.*never alters someone else's database/);
  });
});
