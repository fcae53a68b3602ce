import { isAlias, isMap, isPair, isScalar, isSeq, visit, type Document, type LineCounter, type Node } from 'yaml';
import type { DocumentPath, SourceLocation } from './types.js';

/**
 * Maps a document path back to file:line:column in a parsed YAML document. Points at the key of the
 * last segment when it is a map key (that is the name a user mistyped), at the item for a sequence.
 * Follows aliases, so an error inside a shared `x-` anchor points at the anchor's definition.
 */
export function yamlLocator(file: string, doc: Document, lineCounter: LineCounter): (path: DocumentPath) => SourceLocation {
  const at = (offset: number | undefined): SourceLocation => {
    if (offset === undefined) return { file };
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };

  // Alias.resolve() walks the whole document each time; a matrix can have thousands of aliased cells.
  const anchors = new Map<string, unknown>();
  visit(doc, {
    Node(_, node) {
      if (node.anchor && !anchors.has(node.anchor)) anchors.set(node.anchor, node);
    },
  });
  const resolve = (node: unknown) => (isAlias(node) ? (anchors.get(node.source) ?? node.resolve(doc)) : node);

  return (path) => {
    let node: unknown = doc.contents;
    let offset = rangeStart(node);
    for (const segment of path) {
      node = resolve(node);
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && keyOf(item.key) === String(segment));
        if (!pair) break;
        offset = rangeStart(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return at(offset);
  };
}

function keyOf(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null)?.range;
  return range ? range[0] : undefined;
}
