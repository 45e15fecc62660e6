import { createServer } from 'node:http';
import { releaseAtEnd } from './cleanup.mjs';

/** Starts a node:http server on 127.0.0.1, port 0 (or `at`). Returns { server, url, port, close }. */
/** @param {import('node:http').RequestListener} handler @param {number} [at] */
export async function listen(handler, at = 0) {
  const server = createServer(handler);
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(at, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  /** @type {() => Promise<void>} */
  const close = () =>
    new Promise((resolve) => {
      released();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  const released = releaseAtEnd(close);
  return { server, port, url: `http://127.0.0.1:${port}`, close };
}

export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A port that refuses connections: bound then closed. */
export async function refusedPort() {
  const { port, close } = await listen(() => {});
  await close();
  return port;
}
