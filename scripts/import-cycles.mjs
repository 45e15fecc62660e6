#!/usr/bin/env node
// Import cycles: no module of src/ may reach itself again through its imports — static or lazy
// (`await import()`: a lazy cycle still ties two modules' load order and their layers together)
// and type-only ones too (`import type` costs nothing at run time, but a cycle of types is a
// cycle of layers). Run by `npm run lint`; exits 1 naming each cycle.
//
// Only the syntax of each file is read (no type checking): relative specifiers `./x.js` name
// `./x.ts` (or `./x/index.ts`); a package is never part of a cycle.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []));

/** The source file a relative specifier names, or undefined (a package, a JSON file). */
function resolveSpecifier(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return undefined;
}

/** @returns {{ to: string, kind: 'static' | 'lazy' | 'type' }[]} */
function importsOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const edges = [];
  const add = (specifier, kind) => {
    const to = resolveSpecifier(file, specifier);
    if (to) edges.push({ to, kind });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typeOnly = Boolean(clause?.isTypeOnly || (clause && !clause.name && named?.length && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly ? 'type' : 'static');
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      add(node.moduleSpecifier.text, node.isTypeOnly || (named?.length && named.every((e) => e.isTypeOnly)) ? 'type' : 'static');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      add(node.arguments[0].text, 'lazy');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      // `typeof import('./x.js')` in a type.
      add(node.argument.literal.text, 'type');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

const graph = new Map(walk(src).map((file) => [file, importsOf(file)]));

// Tarjan's strongly connected components: every component of more than one module (or a module
// importing itself) holds a cycle.
let index = 0;
const indices = new Map();
const lowlinks = new Map();
const stack = [];
const onStack = new Set();
const components = [];
function connect(v) {
  indices.set(v, index);
  lowlinks.set(v, index);
  index++;
  stack.push(v);
  onStack.add(v);
  for (const { to } of graph.get(v) ?? []) {
    if (!indices.has(to)) {
      connect(to);
      lowlinks.set(v, Math.min(lowlinks.get(v), lowlinks.get(to)));
    } else if (onStack.has(to)) lowlinks.set(v, Math.min(lowlinks.get(v), indices.get(to)));
  }
  if (lowlinks.get(v) === indices.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.some((e) => e.to === v)) components.push(component);
  }
}
for (const file of graph.keys()) if (!indices.has(file)) connect(file);

/** One cycle through `start` inside `members`, by breadth-first search: the shortest way back. */
function cycleThrough(start, members) {
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const edge of graph.get(v) ?? []) {
      if (!members.has(edge.to)) continue;
      if (edge.to === start) {
        const path = [{ from: v, ...edge }];
        for (let at = v; previous.get(at); at = previous.get(at).from) path.unshift(previous.get(at));
        return path;
      }
      if (!previous.has(edge.to)) {
        previous.set(edge.to, { from: v, ...edge });
        queue.push(edge.to);
      }
    }
  }
  return [];
}

const name = (file) => relative(root, file);
const arrow = { static: '→', lazy: '⇢ (import())', type: '→ (type)' };
if (components.length > 0) {
  const lines = components.map((component) => {
    const members = new Set(component);
    const start = [...members].sort()[0];
    const path = cycleThrough(start, members);
    const shown = [name(start), ...path.map((edge) => `${arrow[edge.kind]} ${name(edge.to)}`)].join(' ');
    return `  ${shown}${members.size > path.length ? ` (${members.size} modules in the knot)` : ''}`;
  });
  console.error(`${components.length} import cycle(s) in src/ (move what both sides need into a module both import):\n${lines.join('\n')}`);
  process.exit(1);
}
