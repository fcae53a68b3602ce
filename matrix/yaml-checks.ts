import { isScalar, visit, type Document, type LineCounter } from 'yaml';
import { MatrixError } from './errors.js';

/** A YAML integer: decimal, or 0x/0o with digits (YAML 1.2's core schema), with an optional sign. */
const INTEGER = /^[-+]?(?:[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$/;
const LONG_DIGITS = /[0-9]{16}|0x[0-9a-fA-F]{14}|0o[0-7]{18}/;

/**
 * Checks on a parsed YAML matrix that the values it becomes can no longer show: an integer beyond
 * JavaScript's safe range (2^53 − 1) has already lost digits by then (9007199254740993 reads as
 * …992), and a bigint id would silently address another row. Refused with its file:line and the
 * way to write it exactly: quoted, so PostgreSQL reads the digits itself.
 */
export function checkYamlValues(file: string, text: string, doc: Document, lineCounter: LineCounter): MatrixError[] {
  // An unsafe integer has at least 16 decimal, 14 hexadecimal or 18 octal digits: a text without
  // such a run (nearly every matrix) needs no walk of its nodes (~0.1 s for 100,000 of them).
  if (!LONG_DIGITS.test(text)) return [];
  const problems: MatrixError[] = [];
  visit(doc, {
    Scalar(_, node) {
      if (!isScalar(node) || typeof node.value !== 'number' || Number.isSafeInteger(node.value)) return;
      const source = node.source?.trim();
      if (source === undefined || !INTEGER.test(source)) return;
      const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
      const read = BigInt(node.value);
      // 2^53 itself survives; the next integer does not: the rule is the range, the note what was lost.
      const lost = read === exactly(source) ? '' : ` (it would become ${read})`;
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

/** The integer a YAML integer's source text means, every digit kept (BigInt reads 0x and 0o but no sign before them). */
function exactly(source: string): bigint {
  const negative = source.startsWith('-');
  const digits = source.replace(/^[-+]/, '');
  const value = BigInt(digits);
  return negative ? -value : value;
}
