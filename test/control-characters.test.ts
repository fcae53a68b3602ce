import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleReporter } from '../reports/console.js';
import { terminalWriter } from '../cli/terminal.js';
import { painter } from '../reports/terminal.js';
import type { CellResult } from '../core/results.js';
import { writeProject } from './helpers.js';
import { cli } from './providers-helpers.js';

// Terminal control characters and bidi overrides from a matrix (persona and matrix names) or from
// PostgreSQL (an error message a trigger or function raises) are spelled out in every output a
// person reads; results.json keeps the exact strings, as JSON escapes.

/** Every character that must never reach an output raw: C0 but tab and newline, DEL, C1, bidi controls. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const PERSONA = 'ali\u001b]0;owned\u0007ce\r\u202eevil\u2066';
const MESSAGE = '\u001b[2J\u001b[3Jcleared\u0007 \u009b31m \r\u202e';

function hostileProject(): Promise<string> {
  return writeProject({
    // boom() raises the hostile message from inside the policy: every select cell errors with it.
    'schema.sql': `create table public.notes (id int primary key);
      alter table public.notes enable row level security;
      create function public.boom() returns boolean language plpgsql as $$
      begin raise exception using message = E'\\x1b[2J\\x1b[3Jcleared\\x07 ' || chr(155) || E'31m \\r' || chr(8238); end $$;
      create policy boom on public.notes for select using (public.boom());
      grant select on public.notes to authenticated;`,
    'rls-matrix.yaml': `version: 1
name: "Notes \\e[2J\\a\\u202Eeman"
database: { migrations: schema.sql }
fixtures: { rows: { public.notes: [{ id: 1 }] } }
personas:
  "ali\\e]0;owned\\ace\\r\\u202Eevil\\u2066": { role: authenticated }
tables:
  public.notes:
    expect:
      "ali\\e]0;owned\\ace\\r\\u202Eevil\\u2066": { select: allow }
`,
  });
}

describe('control characters and bidi overrides', () => {
  it('are spelled out on the console and in report.html (provenance too), summary.md and junit.xml; results.json keeps them exactly, escaped', async () => {
    const out = await mkdtemp(join(tmpdir(), 'rls-matrix-out-'));
    const run = await cli(['run', await hostileProject(), '--out', out]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('⚠ ERROR public.notes · ali\\x1b]0;owned\\x07ce\\x0d\\u202eevil\\u2066 · select');
    expect(run.stdout).toContain('[P0001 \\x1b[2J\\x1b[3Jcleared\\x07 \\x9b31m \\x0d\\u202e]');
    expect(run.stdout).toContain('· Notes \\x1b[2J\\x07\\u202eeman ·');
    expect(run.stdout + run.stderr).not.toMatch(RAW_CONTROL);

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const provenance = /<div class="panel" id="provenance">[\s\S]*?<\/div>/.exec(html)![0];
    expect(provenance).toContain('Notes \\x1b[2J\\x07\\u202eeman');
    expect(provenance).toContain('ali\\x1b]0;owned\\x07ce\\x0d\\u202eevil\\u2066');
    for (const file of ['report.html', 'summary.md', 'junit.xml', 'results.json', 'manifest.json']) {
      expect(readFileSync(join(out, file), 'utf8'), file).not.toMatch(RAW_CONTROL);
    }
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('\\x1b[2J\\x1b[3Jcleared\\x07 \\x9b31m \\x0d\\u202e');
    // Markdown escapes the spelling's backslashes (and brackets), so the rendered summary shows \x1b.
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('ali\\\\x1b\\]0;owned\\\\x07ce\\\\x0d\\\\u202eevil\\\\u2066');

    // results.json is for machines: the exact strings, written as JSON escapes.
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { meta: { matrixName: string }; results: CellResult[] };
    expect(results.meta.matrixName).toBe('Notes \u001b[2J\u0007\u202eeman');
    expect(results.results[0]!.cell.persona).toBe(PERSONA);
    expect(results.results[0]!.outcome.error?.message).toBe(MESSAGE);
  });

  it('on a colour terminal, the CLI keeps its own colours and spells out every escape sequence that came with the data', () => {
    let printed = '';
    const write = terminalWriter((text: string) => void (printed += text), []);
    const reporter = consoleReporter({ write, color: true, quiet: false, progress: false });
    const result = {
      cell: { id: 'x', table: 'public.notes', persona: PERSONA, operation: 'select', expected: 'allow', origin: 'stated', source: { file: '/m.yaml', line: 3 } },
      outcome: { class: 'error', rows: 0, targetRows: 1, error: { sqlstate: 'P0001', message: MESSAGE } },
      status: 'error',
      sql: 'select 1',
      role: 'authenticated',
      durationMs: 1,
    } as unknown as CellResult;
    reporter.onCellResult!(result);
    expect(printed.startsWith(`\u001b[33m⚠ ERROR\u001b[0m public.notes · ali\\x1b]0;owned\\x07ce\\x0d\\u202eevil\\u2066 · select`)).toBe(true);
    expect(printed.replaceAll('\u001b[33m', '').replaceAll('\u001b[0m', '')).not.toMatch(RAW_CONTROL);
    // Text that imitates the CLI's own colours is spelled out like any other escape sequence.
    printed = '';
    write(`${painter(true)(31, 'ours')} \u001b[31mtheirs\u001b[0m`);
    expect(printed).toBe('\u001b[31mours\u001b[0m \\x1b[31mtheirs\\x1b[0m');
  });
});
