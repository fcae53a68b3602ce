import { XMLBuilder } from 'fast-xml-parser';
import { spellControls } from './format.js';

/**
 * XML text that every XML 1.0 parser accepts, with control characters spelled out like every other
 * report (`\x07`): fast-xml-parser escapes markup characters, and these helpers remove what no
 * escape can express (lone surrogates, U+FFFE/U+FFFF).
 * Internal to `reports/`.
 */

// XML 1.0 Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Spells out control characters (see `spellControls`) and removes what else XML 1.0 cannot contain, escaped or not. */
export function xmlText(value: string): string {
  return spellControls(value).replace(NOT_XML_CHAR, '');
}

/** Attribute text: XML-safe, on one line (parsers fold newlines in attributes anyway), at most `max` characters. */
export function xmlAttr(value: string, max = 1000): string {
  const flat = xmlText(value).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The builder every XML artifact uses: attributes as `@_name`, text as `#text`, indented. */
export function createXmlBuilder(): XMLBuilder {
  return new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    textNodeName: '#text',
    format: true,
    indentBy: '  ',
    suppressEmptyNode: true,
    // Without this, an attribute whose value is "true" is written bare, which is not XML.
    suppressBooleanAttributes: false,
    processEntities: true,
  });
}

/** Written first in every XML artifact. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * The start tag of an element whose children are streamed after it: built by the XML builder as an
 * empty element, with its end tag removed (the caller writes `</name>` itself).
 */
export function startTag(builder: XMLBuilder, name: string, attributes: Record<string, string | number>): string {
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) attrs[`@_${key}`] = typeof value === 'number' ? String(value) : xmlAttr(value);
  const element = builder.build({ [name]: { ...attrs, '#text': '\u0000' } }) as string;
  // The placeholder text is the one character xmlText would strip; it marks where children go.
  const at = element.indexOf('>\u0000<');
  if (at < 0) throw new Error(`internal: cannot split <${name}>`);
  return `${element.slice(0, at + 1)}\n`;
}
