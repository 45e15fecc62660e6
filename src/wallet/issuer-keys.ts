import type { IssuerMetadataResult } from '@openid4vc/openid4vci';
import type { JWK } from 'jose';
import { ExitCode } from '../errors.js';
import { isPlainObject } from '../shared/json.js';
import { ClaimError } from './errors.js';

/**
 * Bounds on finding an issuer's keys, for a whole claim: an issuer whose documents point at
 * each other (a `jwks_uri` naming itself) or publish endless keys cannot keep the wallet busy.
 */
const KEY_LOOKUP_BOUNDS = {
  /** Key documents fetched per claim, every source and every `jwks_uri` hop together. */
  documents: 6,
  /** `jwks_uri` hops from a source document (jwt-vc-issuer metadata → its JWKS is one). */
  depth: 2,
  /** Keys taken from one document; the rest are ignored. */
  keysPerDocument: 100,
  /** Time spent fetching key documents per claim. */
  totalMs: 30_000,
};

interface PublishedKey {
  /** The public members only: private ones an issuer leaks are dropped on arrival. */
  jwk: JWK;
  /** The document that published it. */
  source: string;
}

interface KeySearch {
  key?: PublishedKey;
  /** How many keys the issuer publishes in the documents looked at: 0 means none could be found. */
  published: number;
  /** The documents looked at, and why a document gave nothing. */
  tried: string[];
}

const ASYMMETRIC_KTY = new Set(['EC', 'OKP', 'RSA']);
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use', 'key_ops', 'x5c', 'x5t', 'x5t#S256'];

/**
 * The credential issuer's published keys, looked up lazily and at most once per claim: its
 * SD-JWT VC issuer metadata (`/.well-known/jwt-vc-issuer/…`, keys inline or at its `jwks_uri`),
 * the `jwks_uri` of an authorization server that is the issuer itself, and `<issuer>/jwks`
 * (walt.id's layout). Only keys of the credential issuer are here: a credential naming another
 * issuer is not looked up anywhere else.
 */
export class IssuerKeyStore {
  private readonly documents = new Map<string, Promise<PublishedKey[] | string>>();
  private fetched = 0;
  private deadline: number | undefined;
  private readonly sources: string[];
  private readonly issuer: string;

  constructor(
    metadata: IssuerMetadataResult,
    private readonly fetcher: typeof fetch,
  ) {
    const issuer = metadata.credentialIssuer.credential_issuer;
    const url = new URL(issuer);
    const sources = [`${url.origin}/.well-known/jwt-vc-issuer${url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '')}`];
    for (const server of metadata.authorizationServers) if (server.jwks_uri && sameIssuer(server.issuer, issuer)) sources.push(server.jwks_uri);
    sources.push(`${issuer.replace(/\/+$/, '')}/jwks`);
    this.sources = [...new Set(sources)];
    this.issuer = issuer;
  }

  /** The first published key `matches` accepts, looking at one source after another. */
  async find(matches: (jwk: JWK) => boolean): Promise<KeySearch> {
    let published = 0;
    const tried: string[] = [];
    for (const source of this.sources) {
      const keys = await this.document(source, []);
      tried.push(typeof keys === 'string' ? `${source} (${keys})` : source);
      if (typeof keys === 'string') continue;
      published += keys.length;
      const key = keys.find((k) => matches(k.jwk));
      if (key) return { key, published, tried };
    }
    return { published, tried };
  }

  /** Every key of every source, and the sources looked at. */
  async all(): Promise<{ keys: PublishedKey[]; tried: string[] }> {
    const keys: PublishedKey[] = [];
    const tried: string[] = [];
    for (const source of this.sources) {
      const found = await this.document(source, []);
      tried.push(typeof found === 'string' ? `${source} (${found})` : source);
      if (typeof found !== 'string') keys.push(...found);
    }
    return { keys, tried };
  }

  /** A document's keys (following `jwks_uri`), or why it has none; each URL fetched once. */
  private document(url: string, chain: string[]): Promise<PublishedKey[] | string> {
    // A document that points back along its own chain would wait for itself.
    if (chain.includes(url)) return Promise.resolve('its jwks_uri points back to itself');
    let pending = this.documents.get(url);
    if (!pending) {
      pending = this.load(url, chain);
      this.documents.set(url, pending);
    }
    return pending;
  }

  private async load(url: string, chain: string[]): Promise<PublishedKey[] | string> {
    if (this.fetched >= KEY_LOOKUP_BOUNDS.documents) return `not fetched: ${KEY_LOOKUP_BOUNDS.documents} key documents already`;
    this.deadline ??= Date.now() + KEY_LOOKUP_BOUNDS.totalMs;
    const remaining = this.deadline - Date.now();
    if (remaining <= 0) return `not fetched: key lookup took ${KEY_LOOKUP_BOUNDS.totalMs / 1000}s already`;
    this.fetched++;
    let body: unknown;
    try {
      const response = await this.fetcher(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(remaining) });
      if (!response.ok) return `${response.status}`;
      body = await response.json();
    } catch (error) {
      // The claim's own deadline ends the claim; anything else only rules this document out.
      if (error instanceof ClaimError && error.exitCode === ExitCode.TIMEOUT) throw error;
      return error instanceof SyntaxError ? 'not JSON' : 'unreachable';
    }
    if (!isPlainObject(body)) return 'not a JSON object';
    // SD-JWT VC issuer metadata names its issuer: another issuer's keys are not this one's.
    if (typeof body.issuer === 'string' && chain.length === 0 && !sameIssuer(body.issuer, this.issuer)) return `names issuer ${body.issuer.slice(0, 200)}`;
    const keys = Array.isArray(body.keys) ? body.keys : isPlainObject(body.jwks) && Array.isArray(body.jwks.keys) ? body.jwks.keys : undefined;
    if (keys) return keys.slice(0, KEY_LOOKUP_BOUNDS.keysPerDocument).flatMap((k) => publicKey(k, url));
    if (typeof body.jwks_uri !== 'string') return 'no keys';
    if (chain.length >= KEY_LOOKUP_BOUNDS.depth) return `jwks_uri nested deeper than ${KEY_LOOKUP_BOUNDS.depth}`;
    let next: string;
    try {
      next = new URL(body.jwks_uri, url).href;
    } catch {
      return 'invalid jwks_uri';
    }
    return this.document(next, [...chain, url]);
  }
}

/** An asymmetric public key, its private members (an issuer that leaks them) dropped. */
function publicKey(value: unknown, source: string): PublishedKey[] {
  if (!isPlainObject(value) || typeof value.kty !== 'string' || !ASYMMETRIC_KTY.has(value.kty)) return [];
  const jwk: Record<string, unknown> = {};
  for (const member of PUBLIC_MEMBERS) if (value[member] !== undefined) jwk[member] = value[member];
  return [{ jwk: jwk as JWK, source }];
}

/** Issuer identifiers compared as the specs do, but tolerant of one trailing slash. */
export function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/$/, '') === b.replace(/\/$/, '');
}
