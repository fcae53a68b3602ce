import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The direction of dependencies between the pipeline's folders (docs/architecture.md): each stage
 * may import only the stages listed here, and another stage only through its `index.ts`. Type-only
 * and dynamic imports count like any other: a type that flows the wrong way is a dependency too.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  core: [],
  matrix: ['core'],
  fixtures: ['core', 'matrix'],
  database: ['core', 'matrix', 'fixtures'],
  lint: ['core', 'matrix', 'fixtures', 'database'],
  harness: ['core', 'matrix', 'fixtures', 'database', 'lint'],
  mutate: ['core', 'matrix', 'fixtures', 'database', 'lint', 'harness'],
  reports: ['core'],
  cli: ['core', 'matrix', 'fixtures', 'database', 'lint', 'harness', 'mutate', 'reports'],
  // rls-matrix/vitest: a shell over the library for vitest, as cli/ is for the command line.
  vitest: ['core', 'matrix', 'fixtures', 'database', 'lint', 'harness', 'reports'],
  // The package's entry (index.ts) re-exports the public API of every stage.
  '.': ['core', 'matrix', 'fixtures', 'database', 'lint', 'harness', 'mutate', 'reports'],
};
const STAGES = Object.keys(MAY_IMPORT).filter((s) => s !== '.');

/** A library source file as the check reads it: its path from the repository root, and its text. */
interface SourceFile {
  path: string;
  text: string;
}

/** Every import of one file that runs against the rules, as `from → to: why`. */
function importViolations(files: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const from = stageOf(file.path);
    for (const spec of ts.preProcessFile(file.text, true, true).importedFiles.map((f) => f.fileName)) {
      if (!spec.startsWith('.')) continue;
      const target = normalize(join(dirname(file.path), spec)).replace(/\.js$/, '.ts');
      const to = stageOf(target);
      if (to === from) continue;
      if (!MAY_IMPORT[from]?.includes(to)) problems.push(`${file.path} → ${target}: ${from} may not import ${to} (it may import ${MAY_IMPORT[from]?.join(', ') || 'no other stage'})`);
      else if (target !== `${to}/index.ts`) problems.push(`${file.path} → ${target}: another stage is imported through its entry, ${to}/index.ts`);
    }
  }
  return problems;
}

/** The stage a path belongs to: its top folder, or '.' for the package entry. */
function stageOf(path: string): string {
  const top = path.split('/')[0]!;
  return STAGES.includes(top) ? top : path === 'index.ts' ? '.' : `outside (${top})`;
}

function librarySources(root: string): SourceFile[] {
  const files: SourceFile[] = [{ path: 'index.ts', text: readFileSync(join(root, 'index.ts'), 'utf8') }];
  for (const stage of STAGES) {
    for (const entry of readdirSync(join(root, stage), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
      const full = join(entry.parentPath, entry.name);
      files.push({ path: relative(root, full), text: readFileSync(full, 'utf8') });
    }
  }
  return files;
}

describe('import graph', () => {
  it('dependencies run one way, and another stage is reached through its index.ts', () => {
    const root = join(import.meta.dirname, '../..');
    expect(importViolations(librarySources(root))).toEqual([]);
  });

  it('names an import that runs the wrong way, reaches past an entry, or leaves the stages', () => {
    const files = [
      { path: 'reports/html.ts', text: `import type { RunMeta } from '../harness/run.js';` },
      { path: 'harness/run.ts', text: `import { seed } from '../fixtures/seed.js';\nimport { loadMatrix } from '../matrix/index.js';` },
      { path: 'core/results.ts', text: `const m = await import('../matrix/index.js');` },
      { path: 'matrix/load.ts', text: `export { x } from '../bench/run.js';` },
    ];
    expect(importViolations(files)).toEqual([
      'reports/html.ts → harness/run.ts: reports may not import harness (it may import core)',
      'harness/run.ts → fixtures/seed.ts: another stage is imported through its entry, fixtures/index.ts',
      'core/results.ts → matrix/index.ts: core may not import matrix (it may import no other stage)',
      'matrix/load.ts → bench/run.ts: matrix may not import outside (bench) (it may import core)',
    ]);
  });
});
