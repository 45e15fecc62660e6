import { SSE_HEADERS, sseFrame } from '../shared/sse-frame.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOn } from '../shared/http-server.js';
import type { RecordAt } from '../capture/reader.js';
import { isPlainObject } from '../shared/json.js';

interface Timed {
  text: string;
  at: number;
}

/**
 * Serves captured sessions as walt.id-style SSE streams (docs/providers.md): data-only messages,
 * `{}` first, the stream left open; events in captured order with the captured gaps / speed.
 */
export class CapturedSseServer {
  private readonly sessions = new Map<string, Timed[]>();
  private readonly all: Timed[] = [];
  private server: Server | undefined;
  private readonly open = new Set<ServerResponse>();
  url = '';

  constructor(private readonly speed: number) {}

  /** Adds a record; only walt.id envelopes (SSE records, walt.id webhooks) become stream events. */
  add({ record }: RecordAt): boolean {
    if (!isPlainObject(record.data) || !record.sessionId) return false;
    if (record.source === 'webhook' && record.provider !== 'waltid') return false;
    const timed = { text: JSON.stringify(record.data), at: Date.parse(record.receivedAt) || 0 };
    const list = this.sessions.get(record.sessionId) ?? [];
    if (list.length === 0) this.sessions.set(record.sessionId, list);
    list.push(timed);
    this.all.push(timed);
    return true;
  }

  sessionIds(): { id: string; events: number }[] {
    return [...this.sessions].map(([id, list]) => ({ id, events: list.length }));
  }

  async start(host: string, port: number): Promise<string> {
    this.server = createServer((req, res) => this.route(req, res));
    this.url = await listenOn(this.server, host, port);
    return this.url;
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    // A browser app on another local origin may read these streams (docs/cli.md, "replay").
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET',
        'access-control-allow-headers': 'last-event-id, authorization, accept, cache-control',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    const match = /^\/issuer2\/sessions\/([^/]+)\/events$/.exec(path);
    if (req.method !== 'GET' || (!match && path !== '/issuer2/events')) {
      this.fail(res, 404, 'NotFoundException', `No route ${req.method} ${path}`);
      return;
    }
    let id: string | undefined;
    try {
      id = match ? decodeURIComponent(match[1]!) : undefined;
    } catch {
      this.fail(res, 400, 'BadRequestException', 'malformed percent-encoding in the session id');
      return;
    }
    const events = path === '/issuer2/events' ? this.all : this.sessions.get(id!);
    res.writeHead(200, SSE_HEADERS);
    // walt.id answers an unknown session with 200 and closes the stream at once.
    if (!events) return void res.end();
    void this.stream(res, events);
  }

  private fail(res: ServerResponse, status: number, id: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ exception: true, id, status: status === 400 ? 'Bad Request' : 'Not Found', code: String(status), message }));
  }

  private async stream(res: ServerResponse, events: Timed[]): Promise<void> {
    this.open.add(res);
    res.once('close', () => this.open.delete(res));
    res.write(sseFrame('{}', { crlf: true }));
    let previous: number | undefined;
    for (const event of events) {
      const gap = previous === undefined ? 0 : Math.max(0, event.at - previous) / this.speed;
      previous = event.at;
      if (gap >= 1) await new Promise((resolve) => setTimeout(resolve, gap));
      if (res.destroyed) return;
      res.write(sseFrame(event.text, { crlf: true }));
    }
    // Like walt.id, the server never closes the stream: the client does.
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    if (this.server) await closeServer(this.server);
  }
}
