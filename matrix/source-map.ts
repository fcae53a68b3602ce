import { isAlias, isMap, isPair, isScalar, isSeq, visit, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import type { DocumentPath } from './types.js';
import type { SourceLocation } from '../core/index.js';

/**
 * Maps a document path back to file:line:column in a parsed YAML document. Points at the key of the
 * last segment when it is a map key (that is the name a user mistyped), at the item for a sequence.
 * A path through an alias keeps the line of use: `admin_a: *own_folder` is where admin_a's cells
 * are written, and pointing into owner_a's block (the anchor) would name the wrong persona's line.
 */
export function yamlLocator(file: string, doc: Document, lineCounter: LineCounter): (path: DocumentPath) => SourceLocation {
  // Every cell carries up to three locations, and a 100,000-cell matrix points at far fewer places:
  // one shared (frozen) object per place.
  const locations = new Map<number, SourceLocation>();
  const at = (offset: number | undefined): SourceLocation => {
    if (offset === undefined) return { file };
    let location = locations.get(offset);
    if (!location) {
      const { line, col } = lineCounter.linePos(offset);
      location = Object.freeze({ file, line, column: col });
      locations.set(offset, location);
    }
    return location;
  };
  // A key lookup by scanning a mapping's pairs is O(keys): indexed once per mapping instead.
  const keyIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
    let index = keyIndexes.get(map);
    if (!index) {
      index = new Map();
      for (const item of map.items) {
        const name = isPair(item) ? keyOf(item.key) : undefined;
        if (name !== undefined && !index.has(name)) index.set(name, item);
      }
      keyIndexes.set(map, index);
    }
    return index.get(key);
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
    // Set once the path enters an alias: what follows is inside the anchor, written elsewhere.
    let aliased = false;
    for (const segment of path) {
      aliased ||= isAlias(node);
      node = resolve(node);
      if (isMap(node)) {
        const pair = pairOf(node, String(segment));
        if (!pair) break;
        if (!aliased) offset = rangeStart(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) break;
        if (!aliased) offset = rangeStart(item) ?? offset;
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

/**
 * Maps a document path to file:line:column in a TypeScript matrix's source: each name of the path
 * is looked for as an object key (`alice:`, `'public.notes':`) after the previous one, and the last
 * found is where the location points. A name built at run time (`Object.fromEntries`, a spread
 * variable) is not in the text: the location then points at the nearest enclosing key found, or at
 * the file.
 */
export function typeScriptLocator(file: string, text: string): (path: DocumentPath) => SourceLocation {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const at = (offset: number): SourceLocation => {
    let line = lineStarts.length - 1;
    while (lineStarts[line]! > offset) line--;
    return Object.freeze({ file, line: line + 1, column: offset - lineStarts[line]! + 1 });
  };
  const whole = Object.freeze({ file });
  return (path) => {
    let from = 0;
    let found: number | undefined;
    for (const segment of path) {
      if (typeof segment !== 'string') continue;
      const escaped = segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const key = new RegExp(`(?<![\\w$])(['"\`]?)${escaped}\\1\\s*:`, 'g');
      key.lastIndex = from;
      const match = key.exec(text);
      if (!match) break;
      found = match.index;
      from = match.index + match[0].length;
    }
    return found === undefined ? whole : at(found);
  };
}
