import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { after, test } from 'node:test';
import { Agent, EnvHttpProxyAgent, request } from 'undici';
import { readBody as readBounded } from '../../dist/http/body.js';
import { MAX_SHOWN_RESPONSE_BYTES, assertFetchable, createDispatcher, errorDetail, httpRequest } from '../../dist/http/client.js';
import { listen, readBody, refusedPort } from '../helpers/http.mjs';

// The HTTP layer every command shares (src/http/client.ts, body.ts), in-process against servers
// on 127.0.0.1: the bounds of docs/security.md ("Bounds"), the timeouts, the proxy variables.

const dispatchers = [];
after(() => Promise.all(dispatchers.map((d) => d.close())));
/** @param {Parameters<typeof createDispatcher>} args */
function dispatcher(...args) {
  const d = createDispatcher(...args);
  dispatchers.push(d);
  return d;
}

test('a request body over the bound is refused (413) and the sender, still writing, gets that answer; at the bound it is whole', async () => {
  const LIMIT = 64 * 1024;
  /** @type {(Buffer | undefined)[]} */
  const read = [];
  const srv = await listen(async (req, res) => {
    const body = await readBounded(req, LIMIT);
    read.push(body);
    if (body === undefined) res.writeHead(413, { 'content-type': 'application/json' }).end('{"error":"payload too large"}');
    else res.writeHead(200).end(String(body.length));
  });
  try {
    const post = async (body) => {
      const response = await request(srv.url, { method: 'POST', body });
      return [response.statusCode, await response.body.text()];
    };
    assert.deepEqual(await post(Buffer.alloc(LIMIT, 'a')), [200, String(LIMIT)]);
    assert.deepEqual(await post(Buffer.alloc(LIMIT + 1, 'a')), [413, '{"error":"payload too large"}']);
    // Sent in chunks, without a length, four times the bound: refused mid-stream, answered, not reset.
    async function* chunks() {
      for (let i = 0; i < 64; i++) yield Buffer.alloc(4096, 'b');
    }
    assert.deepEqual(await post(chunks()), [413, '{"error":"payload too large"}']);
    assert.deepEqual(await post(''), [200, '0']);
    assert.deepEqual(
      read.map((b) => b?.length),
      [LIMIT, undefined, undefined, 0],
    );
  } finally {
    await srv.close();
  }
});

test('answers are read up to their bound, then the connection is dropped: 64 KB where shown, 16 MB where parsed', async () => {
  let dropped = 0;
  const srv = await listen((req, res) => {
    if (req.url === '/small') return void res.end('ok');
    // An endless answer: written until the client goes away.
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const write = () => {
      while (!res.destroyed && res.write(chunk));
    };
    res.on('drain', write);
    res.on('close', () => dropped++);
    write();
    req.resume();
  });
  try {
    const shown = await httpRequest(srv.url, { maxResponseBytes: MAX_SHOWN_RESPONSE_BYTES });
    assert.equal(shown.status, 200);
    assert.equal(shown.text.length, 64 * 1024);
    assert.equal(shown.truncated, true);
    const parsed = await httpRequest(srv.url);
    assert.equal(parsed.text.length, 16 * 1024 * 1024);
    assert.equal(parsed.truncated, true);
    await waitFor(() => dropped === 2, 'the server sees both connections dropped');
    // An answer within the bound is whole.
    const small = await httpRequest(`${srv.url}/small`, { maxResponseBytes: 2 });
    assert.deepEqual(
      { ...small, headers: { ...small.headers, date: undefined } },
      {
        status: 200,
        // The Date header is the second each answer was sent: not compared (two answers can straddle one).
        headers: { ...(await httpRequest(`${srv.url}/small`)).headers, date: undefined },
        text: 'ok',
        truncated: false,
      },
    );
  } finally {
    await srv.close();
  }
});

test('createDispatcher bounds the wait for headers and a stalled body; a refused port is a NetworkError naming the URL', async () => {
  // One server accepts and never answers; the other sends headers and half a body, then stalls.
  const silent = await listen(() => {});
  const stalling = await listen((_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('half');
  });
  const port = await refusedPort();
  try {
    const d = dispatcher({ connectTimeoutMs: 300, headersTimeoutMs: 300, bodyTimeoutMs: 300 });
    const started = performance.now();
    // undici checks these timeouts about once a second: both run at once.
    const [headers, body, refused] = await Promise.allSettled([
      httpRequest(`${silent.url}/a`, { dispatcher: d }),
      httpRequest(`${stalling.url}/b`, { dispatcher: d }),
      httpRequest(`http://127.0.0.1:${port}/c`, { dispatcher: d }),
    ]);
    const reason = (outcome) => (outcome.status === 'rejected' ? outcome.reason : assert.fail('expected a failure'));
    /** @type {[PromiseSettledResult<unknown>, string, string][]} */
    const expected = [
      [headers, `${silent.url}/a`, 'no response headers in time'],
      [body, `${stalling.url}/b`, 'response body stalled'],
      [refused, `http://127.0.0.1:${port}/c`, 'connection refused'],
    ];
    for (const [outcome, url, why] of expected) {
      const error = reason(outcome);
      assert.equal(error.code, 'E_NETWORK', why);
      assert.equal(error.exitCode, 1);
      assert.equal(error.url, url);
      assert.equal(error.message, `could not reach ${url}: ${why}`);
    }
    assert.ok(performance.now() - started < 10_000, 'bounded well below the 30 s defaults');
  } finally {
    await silent.close();
    await stalling.close();
  }
});

test('waitForServerMs: a connection refused is tried again until the server is up; past the wait, how long it waited', async () => {
  const port = await refusedPort();
  /** @type {Awaited<ReturnType<typeof listen>> | undefined} */
  let late;
  const attempts = [];
  try {
    const response = await httpRequest(`http://127.0.0.1:${port}/`, {
      waitForServerMs: 20_000,
      // The server starts once the first attempt has been refused.
      trace: (exchange) => {
        attempts.push(exchange.error ?? exchange.status);
        if (attempts.length === 1) void listen((_req, res) => res.end('up'), port).then((s) => (late = s));
      },
    });
    assert.equal(response.text, 'up');
    assert.equal(attempts[0], 'connection refused');
    assert.equal(attempts.at(-1), 200);
  } finally {
    await late?.close();
  }
  const gone = await refusedPort();
  await assert.rejects(httpRequest(`http://127.0.0.1:${gone}/`, { waitForServerMs: 200 }), {
    code: 'E_NETWORK',
    message: new RegExp(`^could not reach http://127\\.0\\.0\\.1:${gone}/: connection refused \\(waited (\\d+ms|[\\d.]+s) for the server to start\\)$`),
  });
});

test('a port fetch refuses is said at once (exit 2), not as "fetch failed"; errorDetail shows a walt.id message or the text, escaped and cut', () => {
  assert.throws(() => assertFetchable('http://127.0.0.1:6000/x'), {
    code: 'E_BAD_PORT',
    exitCode: 2,
    message: 'cannot fetch http://127.0.0.1:6000/x: port 6000 is blocked by fetch (a bad port in the Fetch standard); use another port',
  });
  assert.throws(() => assertFetchable('http://user:pw@127.0.0.1:22/'), {
    message: /^cannot fetch http:\/\/\*\*\*@127\.0\.0\.1:22\/|^cannot fetch http:\/\/user:\*+@127\.0\.0\.1:22\//,
    port: 22,
  });
  for (const fine of ['http://127.0.0.1:7005/', 'https://issuer.example/', 'not a url', 'ftp://h:21/']) assert.doesNotThrow(() => assertFetchable(fine), fine);
  assert.equal(errorDetail('{"exception":true,"code":"404","message":"Unknown session\\u001b[2J"}'), 'Unknown session\\x1b[2J');
  assert.equal(errorDetail('  <html>\n<h1>502</h1>  '), '<html>\\n<h1>502</h1>');
  assert.equal(errorDetail('y'.repeat(400)), `${'y'.repeat(300)}…`);
});

/** A forward proxy on 127.0.0.1 that records what it is asked for and forwards it. */
async function startProxy() {
  /** @type {string[]} */
  const seen = [];
  const server = createServer(async (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const body = await readBody(req);
    const upstream = await request(String(req.url), { method: /** @type {any} */ (req.method), body: body.length ? body : undefined });
    res.writeHead(upstream.statusCode, { 'x-via': 'proxy' }).end(Buffer.from(await upstream.body.arrayBuffer()));
  });
  // Tunnelled sockets are no longer the server's: closeAllConnections() does not end them.
  const tunnels = new Set();
  server.on('connect', (req, socket, head) => {
    seen.push(`CONNECT ${req.url}`);
    tunnels.add(socket);
    const [host, port] = String(req.url).split(':');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    tunnels.add(upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const socket of tunnels) socket.destroy();
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

/** Sets process.env entries for the duration of `fn` (this file's own process). */
async function withEnv(vars, fn) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
const noProxyVars = Object.fromEntries(PROXY_VARS.map((k) => [k, undefined]));

test('HTTP_PROXY sends requests through the proxy, NO_PROXY bypasses it; without proxy variables a plain Agent', async () => {
  const target = await listen((_req, res) => res.end('direct'));
  const proxy = await startProxy();
  try {
    await withEnv({}, async () => {
      for (const k of PROXY_VARS) delete process.env[k];
      const plain = dispatcher();
      assert.ok(plain instanceof Agent && !(plain instanceof EnvHttpProxyAgent));
      await withEnv({ HTTP_PROXY: proxy.url }, async () => {
        const via = dispatcher();
        assert.ok(via instanceof EnvHttpProxyAgent);
        assert.equal((await httpRequest(`${target.url}/one`, { dispatcher: via })).text, 'direct');
        assert.equal(proxy.seen.length, 1, 'through the proxy');
        assert.match(proxy.seen[0], new RegExp(`^(CONNECT 127\\.0\\.0\\.1:${target.port}|GET ${target.url}/one)$`));
      });
      await withEnv({ http_proxy: proxy.url, NO_PROXY: '127.0.0.1' }, async () => {
        const bypass = dispatcher();
        assert.equal((await httpRequest(`${target.url}/two`, { dispatcher: bypass })).text, 'direct');
        assert.equal(proxy.seen.length, 1, 'NO_PROXY went direct');
      });
    });
  } finally {
    await proxy.close();
    await target.close();
  }
});

test('createDispatcher(options, env): the proxy is the one env names, not only process.env', async () => {
  const target = await listen((_req, res) => res.end('direct'));
  const proxy = await startProxy();
  try {
    await withEnv(noProxyVars, async () => {
      for (const k of PROXY_VARS) delete process.env[k];
      const d = dispatcher({}, { HTTP_PROXY: proxy.url });
      await httpRequest(`${target.url}/env`, { dispatcher: d });
      assert.equal(proxy.seen.length, 1, 'the request went through the proxy the env argument names');
    });
  } finally {
    await proxy.close();
    await target.close();
  }
});

/** Waits for a condition, polling each turn of the event loop; fails after `ms`. */
async function waitFor(condition, what, ms = 10_000) {
  const until = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > until) assert.fail(`timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
