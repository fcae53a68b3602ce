import { isScalar, visit, type Document, type LineCounter } from 'yaml';
import { MatrixError } from './errors.js';

/** A YAML integer: decimal, or 0x/0o with digits (YAML 1.2's core schema), with an optional sign. */
const INTEGER = /^[-+]?(?:[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$/;

/**
 * Checks on a parsed YAML matrix that the values it becomes can no longer show: an integer beyond
 * JavaScript's safe range (2^53 − 1) has already lost digits by then (9007199254740993 reads as
 * …992), and a bigint id would silently address another row. Refused with its file:line and the
 * way to write it exactly: quoted, so PostgreSQL reads the digits itself.
 */
export function checkYamlValues(file: string, doc: Document, lineCounter: LineCounter): MatrixError[] {
  const problems: MatrixError[] = [];
  visit(doc, {
    Scalar(_, node) {
      if (!isScalar(node) || typeof node.value !== 'number' || Number.isSafeInteger(node.value)) return;
      const source = node.source?.trim();
      if (source === undefined || !INTEGER.test(source)) return;
      const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
      const read = BigInt(node.value).toString();
      // 2^53 itself survives; the next integer does not: the rule is the range, the note what was lost.
      const lost = read === source.replace(/^\+/, '') ? '' : ` (it would become ${read})`;
      problems.push(
        new MatrixError(
          'ERR_MATRIX_INVALID',
          `the integer ${source} is beyond 2^53 − 1 (9007199254740991), the largest a matrix reads exactly${lost}: quote it ('${source}') so PostgreSQL reads every digit`,
          { file, line, column: col },
        ),
      );
    },
  });
  return problems;
}
