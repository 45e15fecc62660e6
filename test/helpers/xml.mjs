import { spawnSync } from 'node:child_process';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** @typedef {{ tag: string, attrs: Record<string, string>, text: string | null, children: XmlElement[] }} XmlElement */

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  // Numeric character references (&#9;, &#10;, &#13;) are decoded only with this on.
  htmlEntities: true,
});

/**
 * Parses XML back with fast-xml-parser (refused unless well-formed as it judges it) into
 * { tag, attrs, text, children }.
 * @param {string} xml
 * @returns {XmlElement}
 */
export function parseXml(xml) {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  const root = parser.parse(xml).find((node) => !('?xml' in node));
  return convert(root);
}

function convert(node) {
  const tag = Object.keys(node).find((k) => k !== ':@');
  const content = node[tag];
  const text = content.filter((c) => '#text' in c).map((c) => String(c['#text']));
  return { tag, attrs: { ...node[':@'] }, text: text.length ? text.join('') : null, children: content.filter((c) => !('#text' in c)).map(convert) };
}

// fast-xml-parser is lenient about characters (it accepts NUL, &#1; and U+FFFE) and does not
// normalise attribute values, so a strictly conforming XML 1.0 parser checks those where one is
// at hand: expat, through Python.
const STRICT = `
import json, sys, xml.etree.ElementTree as ET
def tree(e):
    return {"tag": e.tag, "attrs": e.attrib, "text": e.text, "children": [tree(c) for c in e]}
try:
    print(json.dumps(tree(ET.fromstring(sys.stdin.buffer.read()))))
except ET.ParseError as error:
    print(json.dumps({"error": str(error)}))
`;

// The interpreter itself, not a version manager's shim in front of it (pyenv's costs seconds a call).
const PYTHON = ['python3', 'python']
  .map((cmd) => spawnSync(cmd, ['-c', 'import sys, xml.etree.ElementTree; print(sys.executable)'], { encoding: 'utf8' }))
  .find((r) => r.status === 0 && r.stdout.trim())
  ?.stdout.trim();

/** node:test options for a test that needs the strict parser: skipped without Python. */
export const strictXmlTest = PYTHON ? {} : { skip: 'no python3: expat, the strict XML 1.0 parser, is not at hand' };

/**
 * Parses XML with expat, which refuses every character XML 1.0 forbids and normalises attribute
 * values as the specification says.
 * @param {string} xml
 * @returns {XmlElement}
 */
export function parseXmlStrictly(xml) {
  const r = spawnSync(/** @type {string} */ (PYTHON), ['-c', STRICT], { input: Buffer.from(xml, 'utf8'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  const parsed = JSON.parse(r.stdout);
  if (parsed.error) throw new Error(`not well-formed XML 1.0: ${parsed.error}`);
  return parsed;
}

/** Every element of a tree with this tag, depth first. */
export function elements(node, tag) {
  /** @type {XmlElement[]} */
  const found = [];
  const walk = (n) => {
    if (n.tag === tag) found.push(n);
    for (const c of n.children) walk(c);
  };
  walk(node);
  return found;
}
