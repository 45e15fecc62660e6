#!/usr/bin/env node
// Dead exports: an export of src/ that no other module uses — not src/ (static or dynamic
// import), not the public API (src/index.ts), not a test (which may import dist/<file>.js) — is
// either made local or deleted. Run by `npm run lint`; exits 1 naming each one.
//
// The TypeScript checker resolves every identifier to the symbol it names, through re-exports,
// `await import()` and destructuring, so a use is found however it is written.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
if (!config) throw new Error('tsconfig.json could not be read');
const program = ts.createProgram(config.fileNames, config.options);
const checker = program.getTypeChecker();
const sources = program.getSourceFiles().filter((file) => file.fileName.startsWith(src));

/** @param {ts.Symbol} symbol */
const original = (symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);

/** Symbols used from a file other than the one declaring them. */
const usedElsewhere = new Set();
for (const file of sources) {
  /** @param {ts.Node} node */
  const visit = (node) => {
    let symbol;
    if (ts.isIdentifier(node)) symbol = checker.getSymbolAtLocation(node);
    // `const { X } = await import('./x.js')`: X names the module's export.
    if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
      const name = (node.propertyName ?? node.name).getText(file);
      symbol = checker.getTypeAtLocation(node.parent).getProperty(name);
    }
    if (symbol) {
      const target = original(symbol);
      if (target.declarations?.some((d) => d.getSourceFile() !== file)) usedElsewhere.add(target);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

// Tests import built files: `from '../../dist/x/y.js'` and `await import('../../dist/x/y.js')`.
/** @type {Map<string, Set<string>>} src file → names the tests take from it */
const testImports = new Map();
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.mjs') ? [join(dir, e.name)] : []));
for (const test of walk(join(root, 'test'))) {
  const text = readFileSync(test, 'utf8');
  for (const m of text.matchAll(/(?:import\s*\{([^}]*)\}\s*from|const\s*\{([^}]*)\}\s*=\s*await\s+import\()\s*'[./]*\/dist\/([^']+)\.js'/g)) {
    const file = join(src, `${m[3]}.ts`);
    const names = testImports.get(file) ?? new Set();
    for (const part of (m[1] ?? m[2] ?? '').split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+|:/)[0]?.trim();
      if (name) names.add(name);
    }
    testImports.set(file, names);
  }
  // `(await import('../../dist/x.js')).NAME` and `import('../../dist/x.js').Type` in JSDoc.
  for (const m of text.matchAll(/import\('[./]*\/dist\/([^']+)\.js'\)\)?\.(\w+)/g)) {
    const file = join(src, `${m[1]}.ts`);
    testImports.set(file, (testImports.get(file) ?? new Set()).add(m[2]));
  }
}

// Entry points outside the program: bin/ runs cli.ts's main, and cli.ts loads each command's run
// with a dynamic import of a path it builds.
const ENTRIES = new Map([[join(src, 'cli.ts'), new Set(['main'])]]);
for (const name of readdirSync(join(src, 'commands'))) ENTRIES.set(join(src, 'commands', name), new Set(['run']));

const dead = [];
for (const file of sources) {
  if (file.fileName === join(src, 'index.ts')) continue;
  const module = checker.getSymbolAtLocation(file);
  if (!module) continue;
  for (const exported of checker.getExportsOfModule(module)) {
    if (exported.name === 'default') continue;
    if (usedElsewhere.has(original(exported))) continue;
    if (testImports.get(file.fileName)?.has(exported.name)) continue;
    if (ENTRIES.get(file.fileName)?.has(exported.name)) continue;
    dead.push(`${relative(root, file.fileName)}: ${exported.name}`);
  }
}

if (dead.length > 0) {
  console.error(`${dead.length} export(s) used nowhere else (make them local, or delete them):\n  ${dead.join('\n  ')}`);
  process.exit(1);
}
