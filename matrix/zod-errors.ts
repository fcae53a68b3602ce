import type { z } from 'zod';
import { MatrixError } from './errors.js';
import { nearestName } from './suggest.js';
import type { DocumentPath } from './types.js';
import type { SourceLocation } from '../core/index.js';

const VERDICT_NAMES = ['allow', 'deny', 'filtered', 'refused'];
const VERDICT_HELP = 'a verdict is allow, deny, filtered, refused, { refused: SQLSTATE } or { known: reason, verdict: … }';

/** Turns zod issues into matrix errors that point at file:line:column and suggest the nearest name. */
export function zodIssuesToErrors(issues: readonly z.core.$ZodIssue[], document: unknown, locate: (path: DocumentPath) => SourceLocation): MatrixError[] {
  return issues.flatMap((issue) => toErrors(issue, [], document, locate));
}

function toErrors(issue: z.core.$ZodIssue, base: PropertyKey[], document: unknown, locate: (path: DocumentPath) => SourceLocation): MatrixError[] {
  const path = [...base, ...issue.path].filter((s): s is string | number => typeof s !== 'symbol');
  const where = locate(path);
  const value = valueAt(document, path);
  const name = describePath(path);

  switch (issue.code) {
    case 'invalid_union': {
      const rpc = rpcShapeError(path, value, where);
      if (rpc) return [rpc];
      if (typeof value === 'string') {
        return [new MatrixError('ERR_MATRIX_INVALID', `'${value}' is not a verdict for ${name} (${VERDICT_HELP})`, where, nearestName(value, VERDICT_NAMES))];
      }
      // Report the alternative that got furthest into the value: that is the one the user meant.
      const branches = issue.errors.filter((b) => b.length > 0);
      const deepest = branches.reduce<z.core.$ZodIssue[] | undefined>((best, b) => (!best || depth(b) > depth(best) ? b : best), undefined);
      if (!deepest || depth(deepest) === 0) return [new MatrixError('ERR_MATRIX_INVALID', `invalid value for ${name}: ${VERDICT_HELP}`, where)];
      return deepest.flatMap((inner) => toErrors(inner, path, document, locate));
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const keyWhere = locate([...path, key]);
        const candidates = KNOWN_KEYS[contextOf(path)] ?? [];
        return new MatrixError('ERR_MATRIX_UNKNOWN_NAME', `unknown key '${key}' in ${name}`, keyWhere, nearestName(key, candidates));
      });
    case 'custom': {
      const params = issue.params as { unknownKey?: string; candidates?: string[] } | undefined;
      if (params?.unknownKey) {
        return [
          new MatrixError('ERR_MATRIX_UNKNOWN_NAME', `unknown top-level key '${params.unknownKey}' (extension keys start with x-)`, where, nearestName(params.unknownKey, params.candidates ?? [])),
        ];
      }
      return [new MatrixError('ERR_MATRIX_INVALID', `${issue.message} (${name})`, where)];
    }
    case 'invalid_type':
      if (value === undefined) return [new MatrixError('ERR_MATRIX_INVALID', `missing ${name}: expected ${issue.expected}`, where)];
      return [new MatrixError('ERR_MATRIX_INVALID', `${name} must be ${article(issue.expected)}, not ${describeValue(value)}`, where)];
    default:
      return [new MatrixError('ERR_MATRIX_INVALID', `${issue.message} (${name})`, where)];
  }
}

/**
 * A function's verdict written the way a table's is (`alice: { call: allow }`, `{ select: allow }`,
 * scopes): one error that says what an rpc cell takes, rather than the three a verdict's union gives.
 */
function rpcShapeError(path: DocumentPath, value: unknown, where: SourceLocation): MatrixError | undefined {
  const [head, fn, third, persona] = path;
  if (head !== 'functions' || third !== 'expect' || path.length !== 4 || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.some((k) => k === 'refused' || k === 'known' || k === 'verdict')) return undefined;
  const inner = Object.values(value).find((v) => typeof v === 'string' && VERDICT_NAMES.includes(v)) as string | undefined;
  return new MatrixError(
    'ERR_MATRIX_INVALID',
    `functions.${String(fn)}.expect.${String(persona)} states ${keys.map((k) => `'${k}'`).join(', ')}, but an rpc cell has no operations or scopes: a function takes one verdict per persona (${String(persona)}: ${inner ?? 'allow'}; rows: for an exact row count)`,
    where,
  );
}

const KNOWN_KEYS: Record<string, string[]> = {
  persona: ['role', 'id', 'email', 'phone', 'claims', 'user'],
  table: ['scopes', 'rows', 'set', 'cases', 'expect'],
  case: ['op', 'set', 'row', 'returning'],
  database: ['migrations', 'supabase', 'grants'],
  fixtures: ['sql', 'rows', 'seed'],
  jwt: ['secret', 'expiresIn'],
  verdict: ['refused', 'known', 'verdict'],
  waiver: ['lint', 'object', 'reason'],
};

function contextOf(path: DocumentPath): string {
  const [head, , third, , fifth] = path;
  if (head === 'personas' && path.length === 2) return 'persona';
  if (head === 'tables' && path.length === 2) return 'table';
  if (head === 'tables' && third === 'cases' && path.length === 4) return 'case';
  if (head === 'tables' && third === 'expect') return fifth === undefined && path.length === 4 ? 'verdict' : 'verdict';
  if (head === 'waivers' && path.length === 2) return 'waiver';
  if (path.length === 1 && typeof head === 'string') return head;
  return '';
}

function depth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(...issues.map((i) => i.path.length + (i.code === 'invalid_union' ? 1 : 0)));
}

function valueAt(document: unknown, path: DocumentPath): unknown {
  let node = document;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function describePath(path: DocumentPath): string {
  return path.length
    ? path
        .map((s) => (typeof s === 'number' ? `[${s}]` : s))
        .join('.')
        .replace(/\.\[/g, '[')
    : 'the matrix';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function article(expected: string): string {
  if (expected === 'object' || expected === 'record') return 'a mapping';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
