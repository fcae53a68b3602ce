import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

// The TSDoc examples of the public API (what index.ts and vitest/index.ts export) are type-checked as
// users would write them: imports from 'rls-matrix', strict TypeScript, each example the body of an
// async function (so it may await and return).

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRIES = ['index.ts', 'vitest/index.ts'];
const FOLDERS = ['core', 'matrix', 'fixtures', 'database', 'lint', 'harness', 'reports', 'vitest'];

/** Names a public entry exports (values and types). */
function publicNames(): Set<string> {
  const names = new Set<string>();
  for (const entry of ENTRIES) {
    const text = readFileSync(join(ROOT, entry), 'utf8');
    for (const list of text.matchAll(/export (?:type )?\{([^}]*)\}/g)) for (const item of list[1]!.split(',')) names.add(item.replace(/\btype\b/, '').trim());
    for (const declared of text.matchAll(/export (?:async )?(?:function|const|class|interface|type) (\w+)/g)) names.add(declared[1]!);
  }
  names.delete('');
  return names;
}

/** Every `@example` block right before the declaration of a public name, as code. */
function publicExamples(names: Set<string>): { name: string; file: string; code: string }[] {
  const examples: { name: string; file: string; code: string }[] = [];
  const files = [...ENTRIES, ...FOLDERS.flatMap((folder) => readdirSync(join(ROOT, folder), { recursive: true }).map((f) => join(folder, String(f))))];
  for (const file of new Set(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')))) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const match of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*?)@example((?:(?!\*\/)[\s\S])*)\*\/\s*export (?:async )?(?:function|const|class) (\w+)/g)) {
      if (!names.has(match[3]!)) continue;
      const code = match[2]!
        .split('\n')
        .map((line) => line.replace(/^\s*\* ?/, ''))
        .filter((line) => !line.startsWith('```'))
        .join('\n');
      examples.push({ name: match[3]!, file, code });
    }
  }
  return examples;
}

/** Free names some examples use, as a reader would have them. */
const GIVEN: Record<string, string> = { meta: 'RunMeta', results: 'CellResult[]', summary: 'RunSummary', matrix: 'LoadedMatrix', catalog: "CoverageInput['catalog']" };

function asModule(code: string, names: Set<string>): string {
  const imports = code.split('\n').filter((line) => line.startsWith('import '));
  // A matrix file's `export default` is what the example's function gives back.
  const body = code
    .split('\n')
    .filter((line) => !line.startsWith('import ') && !line.startsWith('// '))
    .map((line) => line.replace(/^export default /, 'return '));
  const imported = new Set(imports.flatMap((line) => (line.match(/\{([^}]*)\}/)?.[1] ?? '').split(',').map((n) => n.trim())));
  const used = [...names].filter((name) => !imported.has(name) && new RegExp(`\\b${name}\\b`).test(body.join('\n')));
  const given = Object.entries(GIVEN).filter(([name]) => new RegExp(`\\b${name}\\b`).test(body.join('\n')));
  return [
    ...imports,
    ...(used.length ? [`import { ${used.join(', ')} } from 'rls-matrix';`] : []),
    ...(given.length ? [`import type { CellResult, CoverageInput, LoadedMatrix, RunMeta, RunSummary } from 'rls-matrix';`, ...given.map(([name, type]) => `declare const ${name}: ${type};`)] : []),
    'export async function example(): Promise<unknown> {',
    ...body,
    '  return undefined;',
    '}',
  ].join('\n');
}

// Inside the repository, so that the examples' own imports (pg, vitest) resolve as in a user's project.
mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true });
const dir = mkdtempSync(join(ROOT, 'node_modules/.cache/rls-matrix-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TSDoc examples of the public API', () => {
  it('compile under strict TypeScript, importing from rls-matrix', () => {
    const names = publicNames();
    const examples = publicExamples(names);
    expect(examples.map((e) => e.name)).toEqual(expect.arrayContaining(['runMatrix', 'createReporters', 'defineMatrix', 'openMatrix', 'describeMatrix', 'asPersona', 'RlsMatrixError']));
    const files = examples.map((example, i) => {
      const file = join(dir, `${i}-${example.name}.mts`);
      writeFileSync(file, asModule(example.code, names));
      return { ...example, path: file };
    });
    const program = ts.createProgram(
      files.map((f) => f.path),
      {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        skipLibCheck: true,
        types: ['node'],
        paths: { 'rls-matrix': [join(ROOT, 'index.ts')], 'rls-matrix/vitest': [join(ROOT, 'vitest/index.ts')] },
      },
    );
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && files.some((f) => f.path === d.file!.fileName))
      .map((d) => `${files.find((f) => f.path === d.file!.fileName)!.name} (${files.find((f) => f.path === d.file!.fileName)!.file}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(problems).toEqual([]);
  }, 120_000);
});
