import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { drainWithin } from './shutdown.js';

/**
 * The bounds every server of the tool keeps against a slow or greedy client: headers within
 * 10 s, the whole request within 30 s (responses, such as an SSE stream, are not bounded by
 * these), at most `maxConnections` sockets at once (a file descriptor each).
 */
export function boundServer(server: Server, maxConnections: number): void {
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxConnections = maxConnections;
}

/** Listens on host:port and resolves with the origin (`http://127.0.0.1:8787`); bind errors are usage errors. */
export async function listenOn(server: Server, host: string, port: number): Promise<string> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw bindError(host, port, error);
  }
  return originOf(server);
}

function originOf(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * The origin to open on this machine. A wildcard bind (0.0.0.0, ::) names every interface, not
 * an address: a browser sends it as the Host, which the inspector refuses, and some systems
 * cannot connect to it at all. The loopback address of the same family reaches the same server.
 */
export function localOrigin(origin: string): string {
  const url = new URL(origin);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  else if (url.hostname === '[::]') url.hostname = '[::1]';
  return url.origin;
}

/** A server that could not bind, as the usage error (exit 2) every command reports. */
function bindError(host: string, port: number, error: unknown): UsageError {
  const err = error as NodeJS.ErrnoException;
  return new UsageError(`cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'address already in use' : (err.code ?? err.message)}`);
}

/**
 * Stops accepting, waits up to `drainMs` for `inflight` (requests being recorded), then cuts
 * every connection: shutdown is bounded whatever a client does.
 */
export async function closeServer(server: Server, options: { inflight?: Promise<unknown>; drainMs?: number } = {}): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  if (options.inflight) await drainWithin(options.inflight, options.drainMs);
  server.closeAllConnections();
  await closed;
}
