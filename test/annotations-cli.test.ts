import { join, relative } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../cli/main.js';

const MATRIX = relative(process.cwd(), join(import.meta.dirname, 'projects/explain/rls-matrix.yaml'));

it('on GitHub Actions (GITHUB_ACTIONS=true) a run annotates each failing cell and failing lint on its matrix line', async () => {
  let stdout = '';
  const io = { stdout: (t: string) => void (stdout += t), stderr: () => undefined, isTTY: false, env: { ...process.env, CI: 'true', GITHUB_ACTIONS: 'true' } };
  expect(await main(['node', 'rls-matrix', 'run', MATRIX, '--reporter', 'none', '--fail-on', 'info', '--workers', '2'], io)).toBe(1);
  const annotations = stdout.split('\n').filter((l) => l.startsWith('::'));
  const cells = annotations.filter((l) => l.includes('(cell '));
  expect(cells).toHaveLength(6);
  const leak = cells.find((l) => l.includes('team_a_others'))!;
  expect(leak).toMatch(
    /^::error file=test\/projects\/explain\/rls-matrix\.yaml,line=\d+,col=\d+,title=public\.notes%3A alice · select · team_a_others → expected deny::expected deny, observed allowed \(1 of 1 row visible\); 1 row let through by "team a reads all" \(cell public\.notes\/alice\/select\/team_a_others\)$/,
  );
  // A lint finding that fails the run (--fail-on info) is annotated on the matrix file.
  const lints = annotations.filter((l) => l.includes(',title=lint '));
  expect(lints.length).toBeGreaterThan(0);
  for (const line of lints) expect(line).toMatch(/^::error file=test\/projects\/explain\/rls-matrix\.yaml,title=lint [a-z-]+%3A .+::.+$/);

  // Off Actions: no workflow commands.
  stdout = '';
  const plain = { ...io, env: { ...process.env, CI: 'true', GITHUB_ACTIONS: '' } };
  expect(await main(['node', 'rls-matrix', 'run', MATRIX, '--reporter', 'none', '--workers', '2'], plain)).toBe(1);
  expect(stdout).not.toMatch(/^::/m);
}, 180_000);
