import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { runCli } from '../helpers/cli.mjs';
import { startIssuerDouble } from '../helpers/issuer-double.mjs';

/** A forward proxy on 127.0.0.1 that records what it is asked for (CONNECT tunnels and absolute URLs). */
async function startProxy() {
  const seen = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(502);
    res.end();
  });
  server.on('connect', (req, socket, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = req.url.split(':');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  return {
    url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(r);
      }),
  };
}

test('HTTP_PROXY routes requests through the proxy; NO_PROXY bypasses it', async () => {
  const issuer = await startIssuerDouble();
  const proxy = await startProxy();
  try {
    const target = issuer.url.replace('127.0.0.1', 'localhost');
    let r = await runCli(['offer', 'create', '--profile', 'p', '--base-url', target, '--json'], { env: { HTTP_PROXY: proxy.url } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(proxy.seen.length, 1);
    assert.match(proxy.seen[0], /^(CONNECT localhost:\d+|POST http:\/\/localhost:\d+\/issuer2\/credential-offers)$/);
    assert.equal(issuer.requests.length, 1);
    r = await runCli(['offer', 'create', '--profile', 'p', '--base-url', target, '--json'], { env: { HTTP_PROXY: proxy.url, NO_PROXY: 'localhost' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(proxy.seen.length, 1, 'NO_PROXY host went direct');
    assert.equal(issuer.requests.length, 2);
  } finally {
    await proxy.close();
    await issuer.close();
  }
});
