import type { IncomingMessage } from 'node:http';

/**
 * Reads and drops the rest of a refused body so that the sender, still writing, gets the
 * answer instead of a reset connection; past 64 MiB the connection is cut.
 */
export function discardBody(req: IncomingMessage, already = 0): void {
  let dropped = already;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > 64 * 1024 * 1024) req.socket.destroy();
  });
  req.resume();
}

/** The whole body, or undefined once it grows past `limit` (the rest is discarded). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        discardBody(req, size);
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    // 'end' and 'error' come once each: plain listeners, no once() wrappers (one body per request).
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}
