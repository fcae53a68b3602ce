import { writeFileSync } from 'node:fs';
import { matrixJsonSchema } from './json-schema.js';

// `npm run schema`: regenerates schema/rls-matrix.schema.json from the zod schema.
writeFileSync(new URL('../schema/rls-matrix.schema.json', import.meta.url), `${JSON.stringify(matrixJsonSchema(), null, 2)}\n`);
