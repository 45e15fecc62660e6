import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';
import { jsonSyntaxError } from '../shared/json.js';
import { type CodeLoader, findConfig, type FoundConfig, readConfig, type SearchOptions } from './search.js';
import { ConfigFieldError, contextNamed, validateBaseUrl, validateConfig, validateTarget, validateToken, type ConfigFile, type Settings } from './schema.js';

const MODULE_NAME = 'issuer-events';
const DEFAULT_BASE_URL = 'http://localhost:7005';

const SEARCH_PLACES = [
  'package.json',
  `.${MODULE_NAME}rc`,
  `.${MODULE_NAME}rc.json`,
  `.${MODULE_NAME}rc.yaml`,
  `.${MODULE_NAME}rc.yml`,
  `.${MODULE_NAME}rc.js`,
  `.${MODULE_NAME}rc.cjs`,
  `.${MODULE_NAME}rc.mjs`,
  `${MODULE_NAME}.config.js`,
  `${MODULE_NAME}.config.cjs`,
  `${MODULE_NAME}.config.mjs`,
  `${MODULE_NAME}.config.ts`,
  `${MODULE_NAME}.config.json`,
  `${MODULE_NAME}.config.yaml`,
  `${MODULE_NAME}.config.yml`,
];

/** JavaScript and TypeScript configs: executed only when they are one of SEARCH_PLACES, or `--config`. */
const CODE_LOADERS: Record<string, CodeLoader> = { '.js': loadJavaScript, '.cjs': loadJavaScript, '.mjs': loadJavaScript, '.ts': loadTypeScript };

export interface LoadedConfig {
  file?: string;
  config: ConfigFile;
}

/** Finds (from `cwd` up to the project root) or loads (`--config`) the configuration file. */
export async function loadConfigFile(options: { file?: string; cwd?: string } = {}): Promise<LoadedConfig> {
  // Not cosmiconfig's own search: it also executes a "meta config" (.config/config.cjs) and, with
  // no package.json above, climbs to / executing the first .issuer-eventsrc.cjs it meets.
  const search: SearchOptions = { places: SEARCH_PLACES, packageProperty: MODULE_NAME, codeLoaders: CODE_LOADERS };
  let result: FoundConfig | undefined;
  try {
    result = options.file ? await readConfig(options.file, search) : await findConfig(options.cwd ?? process.cwd(), search);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EISDIR') throw new ConfigError(`cannot read config file ${options.file ?? ''}: ${err.code}`);
    // cosmiconfig reports "JSON Error in <file>:\n<parser message>"; keep the file and the first line of the reason.
    const parsed = /^(?:JSON|YAML|\w+) Error in (.+?): ?\n([\s\S]*)$/.exec(err.message);
    const file = parsed?.[1] ?? (err as { filepath?: string }).filepath ?? options.file ?? 'configuration file';
    throw new ConfigError(`invalid config file ${file}: ${jsonLocation(err, file) ?? firstLine(parsed?.[2] ?? err.message)}`);
  }
  if (!result || result.isEmpty) return { file: result?.filepath, config: {} };
  try {
    return { file: result.filepath, config: validateConfig(result.config) };
  } catch (error) {
    if (error instanceof ConfigFieldError) {
      throw new ConfigError(`invalid config file ${result.filepath}: ${error.message}`);
    }
    throw error;
  }
}

/** The default export (module.exports for CommonJS), as cosmiconfig's loader took it. */
async function loadJavaScript(filepath: string): Promise<unknown> {
  const module = (await import(pathToFileURL(filepath).href)) as { default?: unknown };
  return module.default;
}

/**
 * `issuer-events.config.ts` is imported by Node itself (type stripping, on by default since Node
 * 22.18): cosmiconfig's own TypeScript loader compiles with the `typescript` package, which an
 * installed tool does not have ("Cannot find package 'typescript'").
 */
async function loadTypeScript(filepath: string): Promise<unknown> {
  // `process.features.typescript` is 'strip' or 'transform' where Node runs .ts files; absent on 20.
  if (!(process.features as { typescript?: string | false }).typescript) {
    throw new ConfigError(
      `cannot load ${filepath}: TypeScript config files need Node.js 22.18 or later (this is ${process.version}); use issuer-events.config.mjs, .json or .yaml`,
    );
  }
  const module = (await import(pathToFileURL(filepath).href)) as { default?: unknown };
  return module.default ?? module;
}

// A JSON parser's message often has no position, or has it only in a multi-line code frame:
// the file is read again and scanned for the line, the column and the reason.
function jsonLocation(error: Error, file: string): string | undefined {
  if (error.name !== 'JSONError') return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const found = jsonSyntaxError(text);
  return found && `line ${found.line}, column ${found.column}: ${found.reason}`;
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? text
  );
}

/** Flags the user typed; undefined means "not given". */
export interface SettingFlags {
  baseUrl?: string;
  target?: string;
  token?: string;
  webhookSecret?: string[];
  context?: string;
}

export interface ResolvedSettings {
  baseUrl: string;
  target?: string;
  token?: string;
  webhookSecrets: string[];
  /** `--tunnel ngrok`: NGROK_AUTHTOKEN (the variable ngrok's own tools read), else the config's ngrokAuthtoken. */
  ngrokAuthtoken?: string;
  context?: string;
  configFile?: string;
  /** Where each value came from, for `--verbose`. */
  sources: Record<string, 'flag' | 'env' | 'context' | 'config' | 'default'>;
}

/**
 * Precedence (docs/cli.md, "Configuration"), highest first:
 *   1. flags                      --base-url, --target, --token, --secret, --context
 *   2. environment                ISSUER_EVENTS_BASE_URL, _TARGET, _TOKEN, _WEBHOOK_SECRET, _CONTEXT; NGROK_AUTHTOKEN
 *   3. config, selected context   contexts.<name>.*
 *   4. config, top level
 *   5. defaults                   baseUrl http://localhost:7005
 */
export function resolveSettings(loaded: LoadedConfig, flags: SettingFlags, env: NodeJS.ProcessEnv = process.env): ResolvedSettings {
  const { config, file } = loaded;
  const contextName = flags.context ?? nonEmpty(env.ISSUER_EVENTS_CONTEXT) ?? config.context;
  let contextSettings: Settings = {};
  if (contextName !== undefined) {
    const found = contextNamed(config, contextName);
    if (!found) {
      const known = Object.keys(config.contexts ?? {});
      const where = file ? ` in ${file}` : ' (no config file found)';
      throw new ConfigError(`unknown context "${contextName}"${where}${known.length ? `; known: ${known.join(', ')}` : ''}`);
    }
    contextSettings = found;
  }
  const envSettings: Settings = {};
  try {
    const baseUrl = nonEmpty(env.ISSUER_EVENTS_BASE_URL);
    if (baseUrl) envSettings.baseUrl = validateBaseUrl(baseUrl, 'ISSUER_EVENTS_BASE_URL');
    const target = nonEmpty(env.ISSUER_EVENTS_TARGET);
    if (target) envSettings.target = validateTarget(target, 'ISSUER_EVENTS_TARGET');
    const token = nonEmpty(env.ISSUER_EVENTS_TOKEN);
    if (token) envSettings.token = validateToken(token, 'ISSUER_EVENTS_TOKEN');
  } catch (error) {
    throw asConfigError(error);
  }
  const ngrokAuthtoken = nonEmpty(env.NGROK_AUTHTOKEN);
  if (ngrokAuthtoken) envSettings.ngrokAuthtoken = ngrokAuthtoken;
  const secrets = nonEmpty(env.ISSUER_EVENTS_WEBHOOK_SECRET);
  if (secrets) {
    const parts = secrets.split(',').map((s) => s.trim());
    const empty = parts.indexOf('');
    // "a,,b" or "a,": a secret left out by mistake, not one fewer secret.
    if (empty !== -1) throw new ConfigError(`ISSUER_EVENTS_WEBHOOK_SECRET holds an empty secret (part ${empty + 1} of ${parts.length}): ${EMPTY_SECRET}`);
    envSettings.webhookSecret = parts;
  }

  const flagSettings: Settings = {};
  try {
    if (flags.baseUrl !== undefined) flagSettings.baseUrl = validateBaseUrl(flags.baseUrl, '--base-url');
    if (flags.target !== undefined) flagSettings.target = validateTarget(flags.target, '--target');
    if (flags.token !== undefined) flagSettings.token = validateToken(flags.token, '--token');
  } catch (error) {
    throw asConfigError(error);
  }
  // `--secret "$UNSET"`: an HMAC keyed with '' is one anyone can compute.
  const blank = flags.webhookSecret?.find((s) => s.trim() === '');
  if (blank !== undefined) throw new ConfigError(`invalid --secret ${JSON.stringify(blank)}: ${EMPTY_SECRET}`);
  if (flags.webhookSecret?.length) flagSettings.webhookSecret = flags.webhookSecret;

  const layers: [ResolvedSettings['sources'][string], Settings][] = [
    ['flag', flagSettings],
    ['env', envSettings],
    ['context', contextSettings],
    ['config', config],
  ];
  const sources: ResolvedSettings['sources'] = {};
  const pick = <K extends keyof Settings>(key: K): Settings[K] => {
    for (const [source, layer] of layers) {
      if (layer[key] !== undefined) {
        sources[key] = source;
        return layer[key];
      }
    }
    return undefined;
  };
  const baseUrl = pick('baseUrl') ?? DEFAULT_BASE_URL;
  sources.baseUrl ??= 'default';
  return {
    baseUrl,
    target: pick('target'),
    token: pick('token'),
    webhookSecrets: pick('webhookSecret') ?? [],
    ngrokAuthtoken: pick('ngrokAuthtoken'),
    context: contextName,
    configFile: file,
    sources,
  };
}

const EMPTY_SECRET = 'a signing secret cannot be empty';

// A field error from a flag or variable names it without the quotes used for file fields.
function asConfigError(error: unknown): unknown {
  return error instanceof ConfigFieldError ? new ConfigError(error.message.replace(/^"([^"]+)"/, '$1')) : error;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
