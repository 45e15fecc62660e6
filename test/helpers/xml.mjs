import { spawnSync } from 'node:child_process';

// No XML parser is among the dependencies: Python's (expat, a conforming XML 1.0 parser that
// refuses characters XML forbids) parses reports back until one is (fast-xml-parser asked for).
const PARSE = `
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

/** Why XML cannot be parsed here, or undefined when it can: tests skip with it (and fail in CI). */
export const noXmlParser = PYTHON ? undefined : 'no python3 to parse XML with';

/**
 * @typedef {{ tag: string, attrs: Record<string, string>, text: string | null, children: XmlElement[] }} XmlElement
 * @param {string} xml
 * @returns {XmlElement}
 */
export function parseXml(xml) {
  if (!PYTHON) throw new Error(noXmlParser);
  const r = spawnSync(/** @type {string} */ (PYTHON), ['-c', PARSE], { input: Buffer.from(xml, 'utf8'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  const parsed = JSON.parse(r.stdout);
  if (parsed.error) throw new Error(`not well-formed XML: ${parsed.error}`);
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

/** node:test options that skip without a parser, except in CI where a missing parser is a failure. */
export function xmlTest() {
  return noXmlParser && process.env.CI !== 'true' ? { skip: noXmlParser } : {};
}
