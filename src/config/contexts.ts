import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError } from '../errors.js';
import { maskSecret } from '../shared/redact.js';
import { type LoadedConfig, resolveSettings, type SettingFlags } from './load.js';
import { contextNamed } from './schema.js';

/** One resolved setting and where it came from. */
interface SettingOrigin {
  name: string;
  value: string | undefined;
  /** `flag --base-url`, `env ISSUER_EVENTS_TOKEN`, `<file> contexts.staging.baseUrl`, `default`. */
  source: string;
}

const ENV: Record<string, string> = {
  baseUrl: 'ISSUER_EVENTS_BASE_URL',
  target: 'ISSUER_EVENTS_TARGET',
  token: 'ISSUER_EVENTS_TOKEN',
  webhookSecret: 'ISSUER_EVENTS_WEBHOOK_SECRET',
  ngrokAuthtoken: 'NGROK_AUTHTOKEN',
};
const FLAG: Record<string, string> = { baseUrl: '--base-url', target: '--target', token: '--token', webhookSecret: '--secret' };

/** `context <action> [name]`: what the command does (commands/context.ts), and the actions that take a context name. */
export const CONTEXT_ACTIONS = ['list', 'show', 'use'] as const;
type ContextAction = (typeof CONTEXT_ACTIONS)[number];
export const CONTEXT_ACTIONS_WITH_NAME: readonly ContextAction[] = ['show', 'use'];

export function isContextAction(text: string): text is ContextAction {
  return (CONTEXT_ACTIONS as readonly string[]).includes(text);
}

/** `context list`: every context of the file, and the one a command would use now. */
export function listContexts(loaded: LoadedConfig, selected: string | undefined): { name: string; selected: boolean; baseUrl?: string }[] {
  return Object.entries(loaded.config.contexts ?? {}).map(([name, settings]) => ({ name, selected: name === selected, baseUrl: settings.baseUrl }));
}

/** `context show [name]`: each setting as a command would resolve it, with its origin; secrets masked. */
export function showContext(loaded: LoadedConfig, flags: SettingFlags, env: NodeJS.ProcessEnv = process.env): { context?: string; file?: string; settings: SettingOrigin[] } {
  const resolved = resolveSettings(loaded, flags, env);
  const secret = (v: string | undefined): string | undefined => (v === undefined ? undefined : maskSecret(v));
  const values: Record<string, string | undefined> = {
    baseUrl: resolved.baseUrl,
    target: resolved.target,
    token: secret(resolved.token),
    webhookSecret: resolved.webhookSecrets.length ? resolved.webhookSecrets.map(maskSecret).join(', ') : undefined,
    ngrokAuthtoken: secret(resolved.ngrokAuthtoken),
  };
  const settings = Object.entries(values).map(([name, value]) => ({ name, value, source: origin(name, resolved.sources[name], resolved.context, loaded.file) }));
  return { context: resolved.context, file: loaded.file, settings };
}

function origin(name: string, source: string | undefined, context: string | undefined, file: string | undefined): string {
  if (source === 'flag') return `flag ${FLAG[name]}`;
  if (source === 'env') return `env ${ENV[name]}`;
  if (source === 'context') return `${file} contexts.${context}.${name}`;
  if (source === 'config') return `${file} ${name}`;
  return source === 'default' ? 'default' : 'not set';
}

/** `context use <name>`: sets `context:` in the configuration file (JSON, YAML or package.json). */
export function useContext(loaded: LoadedConfig, name: string): string {
  const file = loaded.file;
  if (!file) throw new ConfigError('no configuration file found: create issuer-events.config.yaml with a contexts: section first');
  if (!contextNamed(loaded.config, name)) {
    const known = Object.keys(loaded.config.contexts ?? {});
    throw new ConfigError(`unknown context "${name}" in ${file}${known.length ? `; known: ${known.join(', ')}` : ''}`);
  }
  const text = readFileSync(file, 'utf8');
  if (basename(file) === 'package.json') {
    const pkg = JSON.parse(text) as Record<string, Record<string, unknown>>;
    pkg['issuer-events'] = { ...pkg['issuer-events'], context: name };
    writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  } else if (/\.json$|rc$/.test(file) && text.trimStart().startsWith('{')) {
    const config = JSON.parse(text) as Record<string, unknown>;
    writeFileSync(file, `${JSON.stringify({ ...config, context: name }, null, 2)}\n`);
  } else if (/\.ya?ml$/.test(file) || /rc$/.test(file)) {
    // Only the value of the top-level `context:` changes; comments (that line's too) and layout stay.
    const value = /^[\w.-]+$/.test(name) ? name : JSON.stringify(name);
    const current = /^context:(?:[ \t]+(?!#)(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\n]*?))?([ \t]+#.*)?[ \t]*$/m;
    writeFileSync(file, current.test(text) ? text.replace(current, (_line, comment = '') => `context: ${value}${comment}`) : `context: ${value}\n${text}`);
  } else {
    throw new ConfigError(`${file} is code: set context: '${name}' in it by hand`);
  }
  return file;
}
