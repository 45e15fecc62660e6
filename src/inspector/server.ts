import { SSE_HEADERS, sseComment, sseFrame } from '../shared/sse-frame.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readBody } from '../http/body.js';
import { isHttpUrl } from '../shared/url.js';
import { boundServer, closeServer, listenOn, localOrigin } from '../shared/http-server.js';
import type { ReplaySettings } from './replay.js';
import { isLoopbackHostHeader } from '../shared/request-guard.js';
import { actionRefusal, SECURITY_HEADERS, tokenMatches } from './security.js';
import type { RecordStore, StoredRecord } from './store.js';

/** Records sent per click at most (a whole session is a handful; this bounds a crafted request). */
const MAX_REPLAY = 1000;

export interface InspectorOptions {
  host: string;
  port: number;
  store: RecordStore;
  replay: ReplaySettings;
  /** Shown in the page's title bar: `listen`, `sandbox`, or the capture files. */
  title: string;
  /** The per-run token (default: 128 random bits). */
  token?: string;
}

/** What a page is told when it connects, and again when it changes. */
interface PageConfig {
  title: string;
  replayTo: string | null;
  resigns: boolean;
  /** The origin of `listen`'s receiver (`listen --ui`): where a copied curl command sends a delivery back to. */
  receiver: string | null;
  /** `listen --tunnel --ui`: the receiver's public URL, shown in the header (the page itself stays local). */
  tunnel: PageTunnel | null;
}

interface PageTunnel {
  provider: string;
  url: string;
  /** False while the tunnel's connection to its provider is lost. */
  connected: boolean;
}

/** Pages following at once, and bytes queued for one slow page before it is cut off. */
const MAX_STREAMS = 32;
const MAX_QUEUED_BYTES = 32 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

const ASSETS: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/assets/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/assets/app.css': ['app.css', 'text/css; charset=utf-8'],
};

/**
 * The web inspector's server: the page and its assets (shipped in the package, no CDN), one SSE
 * stream of records (the backlog, then live), and the replay action. Loopback names only in
 * `Host`; the stream and actions need the per-run token.
 */
export class InspectorServer {
  readonly token: string;
  private readonly server: Server;
  private readonly streams = new Set<ServerResponse>();
  private readonly assets = new Map<string, Buffer>();
  private unsubscribe: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private receiver: string | null = null;
  private tunnel: PageTunnel | null = null;
  origin = '';

  constructor(private readonly options: InspectorOptions) {
    this.token = options.token ?? randomBytes(16).toString('base64url');
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => this.send(res, 500, { error: error.message }));
    });
    boundServer(this.server, 256);
  }

  /** The URL to open: the token rides in the fragment, so it is never sent in a Referer or logged. */
  get url(): string {
    return `${this.origin}/#token=${this.token}`;
  }

  async start(): Promise<string> {
    this.origin = localOrigin(await listenOn(this.server, this.options.host, this.options.port));
    this.unsubscribe = this.options.store.subscribe((stored) => this.broadcast(stored));
    this.heartbeat = setInterval(() => {
      for (const res of this.streams) res.write(sseComment('keep-alive'));
    }, HEARTBEAT_MS).unref();
    return this.url;
  }

  /**
   * `listen --ui`: the receiver's URL, known once it is bound (after the inspector started, so
   * pages already open are told too).
   */
  setReceiver(url: string): void {
    this.receiver = localOrigin(url);
    this.configChanged();
  }

  /** `listen --tunnel --ui`: the public URL in the page's header, and whether it forwards right now. */
  setTunnel(tunnel: PageTunnel | null): void {
    this.tunnel = tunnel;
    this.configChanged();
  }

  private configChanged(): void {
    const text = configMessage(this.config());
    for (const res of this.streams) res.write(text);
  }

  private config(): PageConfig {
    return {
      title: this.options.title,
      replayTo: this.options.replay.to ?? null,
      resigns: this.options.replay.secrets.length > 0,
      receiver: this.receiver,
      tunnel: this.tunnel,
    };
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.heartbeat);
    for (const res of this.streams) res.end();
    this.streams.clear();
    await closeServer(this.server, { drainMs: 1000 });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends `Host: evil.example`.
    if (!isLoopbackHostHeader(req.headers.host, this.options.host)) return this.send(res, 403, { error: 'forbidden host: the inspector answers loopback names only' });
    const url = new URL(req.url ?? '/', 'http://inspector.localhost');
    const asset = ASSETS[url.pathname];
    if (asset && req.method === 'GET') return this.asset(res, ...asset);
    if (url.pathname === '/favicon.ico') return void res.writeHead(204, SECURITY_HEADERS).end();
    if (url.pathname === '/api/stream' && req.method === 'GET') return this.stream(req, res, url);
    if (url.pathname === '/api/replay') {
      if (req.method !== 'POST') return this.send(res, 405, { error: 'POST only' });
      return this.replay(req, res);
    }
    return this.send(res, 404, { error: 'not found' });
  }

  private asset(res: ServerResponse, file: string, type: string): void {
    let body = this.assets.get(file);
    if (!body) {
      body = readFileSync(new URL(`./page/${file}`, import.meta.url));
      this.assets.set(file, body);
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': body.length });
    res.end(body);
  }

  /** The backlog as SSE messages (`id:` = the record's seq), `event: ready`, then each new record. */
  private async stream(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!tokenMatches(url.searchParams.get('token'), this.token)) {
      this.send(res, 403, { error: 'missing or wrong inspector token' });
      return;
    }
    if (this.streams.size >= MAX_STREAMS) {
      this.send(res, 503, { error: 'too many inspector pages open' });
      return;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, ...SSE_HEADERS, 'content-type': 'text/event-stream; charset=utf-8' });
    res.write(configMessage(this.config()));
    // A reconnecting page sends Last-Event-ID: only what it has not seen yet.
    let sent = Number(req.headers['last-event-id'] ?? 0) || 0;
    // The backlog goes out a megabyte at a time, waiting for the page to read it (no second copy of
    // the store in the socket's buffer); records that arrive meanwhile are caught up at the end.
    for (;;) {
      let chunk = '';
      for (const stored of this.options.store.after(sent)) {
        chunk += message(stored);
        sent = stored.seq;
        if (chunk.length > 1 << 20) break;
      }
      if (chunk === '') break;
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
      if (res.destroyed) return;
    }
    res.write(sseFrame(JSON.stringify({ count: this.options.store.size, dropped: this.options.store.dropped }), { event: 'ready' }));
    this.streams.add(res);
    req.on('close', () => this.streams.delete(res));
  }

  private broadcast(stored: StoredRecord): void {
    const text = message(stored);
    for (const res of this.streams) {
      // A page that does not read (a frozen tab) is cut off rather than buffered without end.
      if (res.writableLength > MAX_QUEUED_BYTES) {
        this.streams.delete(res);
        res.destroy();
      } else res.write(text);
    }
  }

  private async replay(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = actionRefusal(req, this.token);
    if (refusal) return this.send(res, 403, { error: refusal });
    const body = await readBody(req, 64 * 1024);
    if (!body) return this.send(res, 413, { error: 'request too large' });
    let input: { seqs?: unknown; session?: unknown; to?: unknown };
    try {
      input = JSON.parse(body.toString('utf8')) as typeof input;
    } catch {
      return this.send(res, 400, { error: 'body is not JSON' });
    }
    const to = typeof input.to === 'string' && input.to !== '' ? input.to : this.options.replay.to;
    if (!to) return this.send(res, 400, { error: 'no target: give a URL, or start with --forward-to' });
    if (!isHttpUrl(to)) return this.send(res, 400, { error: `not an http(s) URL: ${to}` });
    const items = this.selection(input);
    if (typeof items === 'string') return this.send(res, 400, { error: items });
    // Loaded at the first replay: its HTTP client (undici) costs 0.2 s of CPU at every start-up otherwise.
    const { replayRecords } = await import('./replay.js');
    const results = await replayRecords(items, to, this.options.replay);
    this.send(res, 200, { to, results });
  }

  private selection(input: { seqs?: unknown; session?: unknown }): StoredRecord[] | string {
    const { store } = this.options;
    if (typeof input.session === 'string') {
      const records = store.bySession(input.session).filter((s) => s.source !== 'session');
      return records.length ? records.slice(0, MAX_REPLAY) : `no records of session ${input.session}`;
    }
    if (!Array.isArray(input.seqs) || input.seqs.length === 0 || input.seqs.length > MAX_REPLAY || !input.seqs.every(Number.isSafeInteger)) {
      return `give "seqs": 1 to ${MAX_REPLAY} record numbers, or "session"`;
    }
    const found = (input.seqs as number[]).map((seq) => store.get(seq));
    const missing = found.indexOf(undefined);
    return missing === -1 ? (found as StoredRecord[]) : `no record ${(input.seqs as number[])[missing]}`;
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent) return void res.end();
    const text = JSON.stringify(body);
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

function configMessage(config: PageConfig): string {
  return sseFrame(JSON.stringify(config), { event: 'config' });
}

function message(stored: StoredRecord): string {
  return sseFrame(stored.line, { id: stored.seq });
}
