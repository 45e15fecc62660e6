import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordAt } from '../capture/reader.js';
import { isPlainObject } from '../util/json.js';

interface Timed {
  text: string;
  at: number;
}

/**
 * Serves captured sessions as walt.id-style SSE streams (PROVIDERS.md): data-only messages,
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
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const match = /^\/issuer2\/sessions\/([^/]+)\/events$/.exec(path);
      const events = path === '/issuer2/events' ? this.all : match ? this.sessions.get(decodeURIComponent(match[1]!)) : undefined;
      if (req.method !== 'GET' || (!match && path !== '/issuer2/events')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ exception: true, id: 'NotFoundException', status: 'Not Found', code: '404', message: `No route ${req.method} ${path}` }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      // walt.id answers an unknown session with 200 and closes the stream at once.
      if (!events) return void res.end();
      void this.stream(res, events);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    return this.url;
  }

  private async stream(res: ServerResponse, events: Timed[]): Promise<void> {
    this.open.add(res);
    res.once('close', () => this.open.delete(res));
    res.write('data: {}\n\n');
    let previous: number | undefined;
    for (const event of events) {
      const gap = previous === undefined ? 0 : Math.max(0, event.at - previous) / this.speed;
      previous = event.at;
      if (gap >= 1) await new Promise((resolve) => setTimeout(resolve, gap));
      if (res.destroyed) return;
      res.write(`data: ${event.text}\n\n`);
    }
    // Like walt.id, the server never closes the stream: the client does.
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
