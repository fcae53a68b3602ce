import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MatrixErrors } from '../../matrix/errors.js';
import { loadMatrix } from '../../matrix/load.js';
import { writeProject } from '../project-files.js';

// A TypeScript matrix in a CommonJS package (package.json without "type": "module"): tsx compiles it
// to CommonJS, and its default export sits one level down. Errors point at the key in the source.

const CJS_PACKAGE = JSON.stringify({ name: 'app', version: '1.0.0' });

describe('TypeScript matrices', () => {
  it('load in a CommonJS package', async () => {
    const dir = await writeProject({
      'package.json': CJS_PACKAGE,
      'rls-matrix.ts': "export default { version: 1, personas: { anon: { role: 'anon' } }, defaults: 'deny' };\n",
    });
    const matrix = await loadMatrix(join(dir, 'rls-matrix.ts'));
    expect(matrix.personas).toEqual({ anon: { role: 'anon' } });
    expect(matrix.defaults).toBe('deny');
  });

  it('report an unknown name at the file:line:column of its key', async () => {
    const source = [
      'export default {',
      '  version: 1,',
      "  personas: { alice: { role: 'authenticated' } },",
      '  tables: {',
      "    'public.notes': {",
      '      expect: {',
      "        alcie: 'deny',",
      '      },',
      '    },',
      '  },',
      '};',
      '',
    ].join('\n');
    const dir = await writeProject({ 'package.json': CJS_PACKAGE, 'notes.matrix.ts': source });
    const error = await loadMatrix(join(dir, 'notes.matrix.ts')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MatrixErrors);
    expect((error as Error).message).toBe(`unknown persona 'alcie' at ${join(dir, 'notes.matrix.ts')}:7:9 — did you mean 'alice'?`);
  });
});
