import { isMap, parseDocument, type Scalar, type YAMLMap } from 'yaml';
import type { PlainVerdict } from '../core/index.js';

/** A verdict observed for a cell nobody stated, to write into the matrix. */
export interface RecordedVerdict {
  /** Where the verdict goes: under `tables:` (the default), `storage:` or `functions:`. */
  section?: 'tables' | 'storage' | 'functions';
  /** The table, the bucket id, or the function, as the cells name it (schema-qualified). */
  table: string;
  persona: string;
  /** The operation, a storage verb (`upload`…), or `rpc` for a function (whose verdict a persona states bare). */
  operation: string;
  /** A scope's verdict under the operation (`select: { own: allow }`); none for the whole table. */
  scope?: string;
  verdict: PlainVerdict;
}

/** The mark a recorded verdict carries until a human reviews it (and deletes the comment). */
const RECORDED_MARK = ' recorded, not reviewed';

/**
 * Writes observed verdicts into a matrix's YAML text under `tables.<table>.expect.<persona>.<op>`
 * (and `.<scope>` for a scope's), `storage.<bucket>.expect.<persona>.<verb>` or `functions.<fn>.expect.<persona>`,
 * each marked `# recorded, not reviewed`, through the `yaml` Document API, so the file's comments,
 * anchors, key order and layout stay as they were. Only what is unstated is written: a verdict
 * already there (even a different one) is left alone. A table written without its schema
 * (`notes:` for `public.notes`) is found under that key. Returns the new text and what it wrote.
 */
export function recordVerdicts(text: string, verdicts: readonly RecordedVerdict[]): { text: string; written: RecordedVerdict[] } {
  const document = parseDocument(text, { keepSourceTokens: true });
  const written: RecordedVerdict[] = [];
  for (const recorded of verdicts) {
    const { path, key } = placeOf(document, recorded);
    const parent = document.getIn(path);
    // A bare verdict for the persona (or the operation) covers what is under it: nothing is unstated there.
    if (parent !== undefined && !isMap(parent)) continue;
    if (isMap(parent) && parent.has(key)) continue;
    const value = document.createNode(recorded.verdict) as Scalar | YAMLMap;
    if (isMap(value)) value.flow = true;
    value.comment = RECORDED_MARK;
    // One verdict a line, so each carries its own mark: a flow map written on one line becomes a
    // block, and so do the flow maps around it (`empty: {}` for a bucket nothing is stated for yet).
    for (let depth = 1; depth <= path.length; depth++) {
      const enclosing = document.getIn(path.slice(0, depth));
      if (isMap(enclosing)) enclosing.flow = false;
    }
    document.setIn([...path, key], value);
    written.push(recorded);
  }
  return { text: document.toString({ lineWidth: 0 }), written };
}

/** Where a verdict goes: the map it is written into, and its key there. */
function placeOf(document: ReturnType<typeof parseDocument>, recorded: RecordedVerdict): { path: string[]; key: string } {
  switch (recorded.section ?? 'tables') {
    case 'storage':
      return { path: ['storage', recorded.table, 'expect', recorded.persona], key: recorded.operation };
    case 'functions':
      return { path: ['functions', tableKey(document.get('functions'), recorded.table), 'expect'], key: recorded.persona };
    case 'tables':
      return {
        path: ['tables', tableKey(document.get('tables'), recorded.table), 'expect', recorded.persona, ...(recorded.scope === undefined ? [] : [recorded.operation])],
        key: recorded.scope ?? recorded.operation,
      };
  }
}

/** The key `tables` (or `functions`) uses for a name: as written, with or without its `public.` schema. */
function tableKey(tables: unknown, table: string): string {
  if (!isMap(tables)) return table;
  const bare = table.startsWith('public.') ? table.slice('public.'.length) : undefined;
  return bare !== undefined && tables.has(bare) && !tables.has(table) ? bare : table;
}
