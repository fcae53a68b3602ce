import { z } from 'zod';
import { MatrixSchema } from './schema.js';

/** The JSON Schema of the matrix format, for editors (yaml-language-server, VS Code). */
export function matrixJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(MatrixSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://rls-matrix.dev/schema/v1.json',
    title: 'rls-matrix matrix (v1)',
    description: 'persona × table × operation × scope → expected verdict; see "The matrix" in the README of the rls-matrix package',
    properties: { $schema: { type: 'string' }, ...(schema.properties as object) },
    // Extension keys (x-…) hold anchors for shared expectations; anything else is a typo.
    patternProperties: { '^x-': {} },
    additionalProperties: false,
  };
}
