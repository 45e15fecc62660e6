import { checkHttpUrl } from '../shared/url.js';
import { isPlainObject } from '../shared/json.js';

/** Settings that may appear at the top level of a config file or inside a context. */
export interface Settings {
  baseUrl?: string;
  target?: string;
  token?: string;
  webhookSecret?: string[];
  /** The ngrok agent's auth token (`--tunnel ngrok`: listen, sandbox, check, offer create); NGROK_AUTHTOKEN wins over it. */
  ngrokAuthtoken?: string;
}

export interface ConfigFile extends Settings {
  /** Context used when neither --context nor ISSUER_EVENTS_CONTEXT names one. */
  context?: string;
  contexts?: Record<string, Settings>;
  /** Extra sandbox profiles (see `sandbox`). */
  profiles?: Record<string, unknown>;
}

export class ConfigFieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const SETTINGS_FIELDS = ['baseUrl', 'target', 'token', 'webhookSecret', 'ngrokAuthtoken'] as const;
const TOP_FIELDS = new Set<string>([...SETTINGS_FIELDS, 'context', 'contexts', 'profiles', '$schema']);

function expectString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new ConfigFieldError(field, `"${field}" must be a non-empty string`);
  return value;
}

function validateSettings(raw: Record<string, unknown>, prefix: string, allowed: Set<string>): Settings {
  const out: Settings = {};
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) throw new ConfigFieldError(`${prefix}${key}`, `unknown field "${prefix}${key}"`);
  }
  if (raw.baseUrl !== undefined) out.baseUrl = validateBaseUrl(expectString(raw.baseUrl, `${prefix}baseUrl`), `${prefix}baseUrl`);
  if (raw.target !== undefined) out.target = validateTarget(expectString(raw.target, `${prefix}target`), `${prefix}target`);
  if (raw.token !== undefined) out.token = validateToken(expectString(raw.token, `${prefix}token`), `${prefix}token`);
  if (raw.ngrokAuthtoken !== undefined) out.ngrokAuthtoken = expectString(raw.ngrokAuthtoken, `${prefix}ngrokAuthtoken`);
  if (raw.webhookSecret !== undefined) {
    const value = raw.webhookSecret;
    const list = Array.isArray(value) ? value : [value];
    out.webhookSecret = list.map((item, i) => expectString(item, `${prefix}webhookSecret${Array.isArray(value) ? `[${i}]` : ''}`));
  }
  return out;
}

export function validateBaseUrl(value: string, field: string): string {
  const check = checkHttpUrl(value);
  if (!check.ok) {
    // `127.0.0.1:7005` and `localhost:7005`: say what was probably meant.
    const hint = /did you mean (\S+)\?/.exec(check.why)?.[1];
    const parses = URL.canParse(value);
    const base = parses ? `"${field}" must be an http or https URL: ${value}` : `"${field}" is not a valid URL: ${value}`;
    throw new ConfigFieldError(field, hint ? `${base} (did you mean ${hint}?)` : base);
  }
  return value.replace(/\/+$/, '');
}

/**
 * A token travels in the Authorization header: a line break or control character would fail
 * in the HTTP client with no word of why. The token itself is never repeated in the message.
 */
export function validateToken(value: string, field: string): string {
  // RFC 9110 field values: visible characters, space, tab and obs-text.
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) throw new ConfigFieldError(field, `"${field}" holds a line break or control character (it is sent in an HTTP header)`);
  return value;
}

/** walt.id Enterprise targets are `{org}.{tenant}.{issuerService}`. */
export function validateTarget(value: string, field: string): string {
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){2}$/.test(value)) {
    throw new ConfigFieldError(field, `"${field}" must look like org.tenant.issuerService: ${value}`);
  }
  return value;
}

/** The context of that name, looked up among the file's own keys only (`constructor` is no context). */
export function contextNamed(config: ConfigFile, name: string): Settings | undefined {
  const contexts = config.contexts;
  return contexts && Object.hasOwn(contexts, name) ? contexts[name] : undefined;
}

export function validateConfig(raw: unknown): ConfigFile {
  if (!isPlainObject(raw)) throw new ConfigFieldError('(root)', 'the configuration must be an object');
  const out: ConfigFile = validateSettings(raw, '', TOP_FIELDS);
  if (raw.context !== undefined) out.context = expectString(raw.context, 'context');
  if (raw.contexts !== undefined) {
    if (!isPlainObject(raw.contexts)) throw new ConfigFieldError('contexts', '"contexts" must be an object of named contexts');
    // No prototype: a context named "__proto__" is an ordinary key, and no name finds Object's members.
    out.contexts = Object.create(null) as Record<string, Settings>;
    for (const [name, ctx] of Object.entries(raw.contexts)) {
      if (!isPlainObject(ctx)) throw new ConfigFieldError(`contexts.${name}`, `"contexts.${name}" must be an object`);
      out.contexts[name] = validateSettings(ctx, `contexts.${name}.`, new Set(SETTINGS_FIELDS));
    }
  }
  if (raw.profiles !== undefined) {
    if (!isPlainObject(raw.profiles)) throw new ConfigFieldError('profiles', '"profiles" must be an object');
    out.profiles = raw.profiles;
  }
  return out;
}
