import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { deeperThan, expandedSizeOver, MAX_JSON_DEPTH } from '../shared/json-safety.js';

/** Loads a JavaScript or TypeScript configuration file, by extension (`.js`, `.cjs`, `.mjs`, `.ts`). */
export type CodeLoader = (filepath: string) => Promise<unknown>;

export interface SearchOptions {
  /** File names looked for in each directory, in order; `package.json` means its `packageProperty` key. */
  places: readonly string[];
  packageProperty: string;
  /** The only way code is executed: a listed file with one of these extensions. */
  codeLoaders: Record<string, CodeLoader>;
}

/**
 * A configuration file larger than this is refused unread, and so is one whose content, written
 * out as JSON, would be larger (YAML aliases expanded): every later use (profiles sent by the
 * sandbox, merged into offers) serialises it, and an alias bomb would pin the CPU there.
 */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface FoundConfig {
  filepath: string;
  config: unknown;
  /** The file (or its package.json key) holds nothing. */
  isEmpty: boolean;
}

/**
 * The directories searched, nearest first: the working directory, then each parent up to the
 * project root (the first directory with a package.json or a .git), included. With no project
 * root above, up to the home directory when the working directory is inside it, else the working
 * directory alone: a file in a shared parent (/tmp) is somebody else's and is never executed.
 */
async function searchDirectories(cwd: string, home = homedir()): Promise<string[]> {
  const start = resolve(cwd);
  const chain: string[] = [];
  for (let dir = start; ; dir = dirname(dir)) {
    chain.push(dir);
    if ((await exists(join(dir, 'package.json'))) || (await exists(join(dir, '.git')))) return chain;
    if (dirname(dir) === dir) break;
  }
  const homeAt = home === '' ? -1 : chain.indexOf(resolve(home));
  return homeAt === -1 ? [start] : chain.slice(0, homeAt + 1);
}

/** The first configuration file of the search, or undefined. Empty files are passed over. */
export async function findConfig(cwd: string, options: SearchOptions): Promise<FoundConfig | undefined> {
  for (const dir of await searchDirectories(cwd)) {
    for (const place of options.places) {
      const filepath = join(dir, place);
      if (!(await isFile(filepath))) continue;
      let found: FoundConfig;
      try {
        found = await readConfig(filepath, options);
      } catch (error) {
        // An unreadable file is passed over, as cosmiconfig did; any other failure is reported.
        if ((error as NodeJS.ErrnoException).code === 'EACCES') continue;
        throw error;
      }
      if (!found.isEmpty) return found;
    }
  }
  return undefined;
}

/** Reads one configuration file by its name's extension (`--config`, or a file the search found). */
export async function readConfig(filepath: string, options: Omit<SearchOptions, 'places'>): Promise<FoundConfig> {
  const info = await stat(filepath);
  if (info.isDirectory()) throw Object.assign(new Error(`${filepath} is a directory`), { code: 'EISDIR' });
  const bound = `${MAX_CONFIG_BYTES / 1024 / 1024} MB`;
  if (info.size > MAX_CONFIG_BYTES) throw new ConfigError(`invalid config file ${filepath}: larger than ${bound}`);
  const ext = extname(filepath);
  const code = Object.hasOwn(options.codeLoaders, ext) ? options.codeLoaders[ext] : undefined;
  let config: unknown;
  if (code) config = await code(filepath);
  else {
    const text = await readFile(filepath, 'utf8');
    if (text.trim() === '') return { filepath, config: undefined, isEmpty: true };
    const { loadJson, loadYaml } = await import('cosmiconfig/dist/loaders.js');
    // cosmiconfig's parsers keep its messages ("JSON Error in <file>:\n…"), which loadConfigFile reads.
    config = ext === '.json' ? loadJson(filepath, text) : loadYaml(filepath, text);
    if (basename(filepath) === 'package.json') config = (config as Record<string, unknown> | null)?.[options.packageProperty];
  }
  if (expandedSizeOver(config, MAX_CONFIG_BYTES)) {
    throw new ConfigError(`invalid config file ${filepath}: larger than ${bound} ${code || ext === '.json' ? 'as JSON' : 'once YAML aliases are expanded'}`);
  }
  if (deeperThan(config)) throw new ConfigError(`invalid config file ${filepath}: nested deeper than ${MAX_JSON_DEPTH} levels`);
  return { filepath, config, isEmpty: config === undefined || config === null };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
