import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, parseNdjson, waitFor } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { refusedPort } from '../helpers/http.mjs';
import { startSseServer, openStream, frame, envelope } from '../helpers/sse-server.mjs';

const S = '/issuer2/sessions';
const CURRENT = [
  envelope('cur', 'credential_offer_retrieved'),
  envelope('cur', 'token_request_pre_authorized_code_succeeded'),
  envelope('cur', 'credential_request_w3c_vc_succeeded'),
  envelope('cur', 'issuance_status_changed', { status: 'SUCCESSFUL', isClosed: true }),
];
const LEGACY = [
  envelope('leg', 'resolved_credential_offer'),
  envelope('leg', 'requested_token'),
  envelope('leg', 'jwt_issue'),
  envelope('leg', 'issuance_status', { status: 'SUCCESSFUL' }),
];

/** walt.id style: `{}` first, then the events, and the stream is never closed by the server. */
function waltStream(events, { crlf = false } = {}) {
  return async (req, res) => {
    openStream(res);
    const eol = crlf ? '\r\n' : '\n';
    res.write(frame('{}', { eol }));
    for (const e of events) res.write(frame(e, { eol }));
  };
}

let srv;
const hits = {};
before(async () => {
  srv = await startSseServer({
    [`${S}/cur/events`]: waltStream(CURRENT, { crlf: true }),
    [`${S}/leg/events`]: waltStream(LEGACY),
    [`${S}/fail/events`]: waltStream([
      envelope('fail', 'credential_offer_retrieved'),
      envelope('fail', 'credential_request_failed', { error: 'invalid_proof', error_description: 'proof expired' }),
      envelope('fail', 'issuance_status_changed', { status: 'UNSUCCESSFUL' }),
    ]),
    [`${S}/closed/events`]: waltStream([envelope('closed', 'issuance_status_changed', { isClosed: true })]),
    [`${S}/rejected/events`]: waltStream([envelope('rejected', 'issuance_status_changed', { status: 'REJECTED_BY_USER' })]),
    [`${S}/open/events`]: waltStream([envelope('open', 'credential_offer_retrieved'), envelope('open', 'future_event_nobody_knows_yet', { custom: 1 })]),
    // A session that never reaches a terminal status while tail follows it.
    [`${S}/slow/events`]: waltStream([envelope('slow', 'credential_offer_retrieved')]),
    // A socket drop mid-stream, then walt.id replays its last events to the new subscriber.
    [`${S}/drop/events`]: async (req, res, { attempt }) => {
      const all = [
        envelope('drop', 'credential_offer_retrieved'),
        envelope('drop', 'token_request_pre_authorized_code_succeeded'),
        envelope('drop', 'credential_request_sd_jwt_vc_succeeded'),
        envelope('drop', 'issuance_status_changed', { status: 'SUCCESSFUL' }),
      ];
      openStream(res);
      res.write(frame('{}'));
      if (attempt === 1) {
        // Both events are on their way before the connection drops.
        await new Promise((resolve) => res.write(frame(all[0]) + frame(all[1]), resolve));
        res.socket.destroy();
        return;
      }
      res.write(all.map((e) => frame(e)).join(''));
    },
    // Named events with ids and retry:, resumed with Last-Event-ID (the Enterprise docs' style).
    [`${S}/named/events`]: async (req, res, { attempt }) => {
      openStream(res);
      if (attempt === 1) {
        res.write(frame({ offerId: 'named', timestamp: 1 }, { event: 'resolved_credential_offer', id: '1', retry: 30 }));
        res.write(frame({ offerId: 'named', timestamp: 2 }, { event: 'requested_token', id: '2' }));
        res.end();
        return;
      }
      hits.lastEventId = req.headers['last-event-id'];
      const after = Number(req.headers['last-event-id'] ?? 0);
      if (after < 2) res.write(frame({ offerId: 'named' }, { event: 'requested_token', id: '2' }));
      res.write(frame({ offerId: 'named', timestamp: 3, status: 'COMPLETED' }, { event: 'jwt_issue', id: '3' }));
    },
    [`${S}/busy/events`]: async (req, res, { attempt }) => {
      if (attempt === 1) {
        hits.busyFirst = Date.now();
        res.writeHead(503, { 'retry-after': '1' });
        res.end('busy');
        return;
      }
      hits.busySecond = Date.now();
      await waltStream([envelope('busy', 'issuance_status_changed', { status: 'SUCCESSFUL' })])(req, res);
    },
    [`${S}/flaky/events`]: async (req, res, { attempt }) => {
      if (attempt <= 2) {
        res.writeHead(500);
        res.end('oops');
        return;
      }
      await waltStream([envelope('flaky', 'issuance_status_changed', { status: 'SUCCESSFUL' })])(req, res);
    },
    [`${S}/auth401/events`]: (req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'token expired' }));
    },
    [`${S}/auth403/events`]: (req, res) => {
      res.writeHead(403);
      res.end();
    },
    [`${S}/gone/events`]: (req, res) => {
      openStream(res);
      res.end();
    },
    [`${S}/silent/events`]: (req, res) => {
      openStream(res);
    },
    [`${S}/html/events`]: (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html>login</html>');
    },
    [`${S}/edge/events`]: (req, res) => {
      openStream(res);
      res.write(Buffer.from([0xef, 0xbb, 0xbf])); // BOM
      res.write(': a comment line\n');
      res.write('data:{"event":"no_space","target":"edge"}\n\n');
      res.write('data: {"event":"crlf","target":"edge"}\r\n\r\n');
      res.write('data: {"event":"lone_cr","target":"edge"}\r\r');
      res.write('data: {"event":"multi",\ndata: "target":"edge"}\n\n');
      res.write('event: no_data_here\n\n'); // SSE spec: no data, nothing dispatched
      res.write('event: named_no_json\ndata: plain text\n\n');
      res.write('data: {"event":"unicode","target":"edge","name":"Zoë ✓ 🎓"}\n\n');
      res.write(`data: ${JSON.stringify(envelope('edge', 'issuance_status_changed', { status: 'SUCCESSFUL' }))}\n\n`);
    },
    [`${S}/evil/events`]: waltStream([
      envelope('evil', 'credential_request_failed', { error: 'bad\u001b[2J', error_description: '\u001b]0;owned\u0007\u009b31m' }),
      envelope('evil', 'issuance_status_changed', { status: 'FAILED' }),
    ]),
    [`${S}/ent/events`]: () => {},
    '/v2/acme.main.issuer/issuer-service-api/issuance-session/ent1/events': (req, res) => {
      hits.entAuth = req.headers.authorization;
      openStream(res);
      res.write(frame({ offerId: 'ent1', status: 'COMPLETED' }, { event: 'jwt_issue' }));
    },
  });
});
after(() => srv.close());

const TAIL = () => ['tail', '--base-url', srv.url, '--connect-timeout', '3s'];
const tail = (args, options) => runInProcess([...TAIL(), ...args], options);
/** Spawned: for a signal. */
const tailProcess = (args, options) => runCli([...TAIL(), ...args], options);
const types = (stdout) => parseNdjson(stdout).map((r) => r.type);

test('walt.id current names, CRLF, stream never closed: prints every event, exits 0 on SUCCESSFUL', async () => {
  const r = await tail(['cur', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const records = parseNdjson(r.stdout);
  assert.deepEqual(
    records.map((x) => x.type),
    CURRENT.map((e) => e.event),
  );
  const last = records.at(-1);
  assert.equal(last.v, 1);
  assert.equal(last.source, 'sse');
  assert.equal(last.provider, 'waltid');
  assert.equal(last.sessionId, 'cur');
  assert.equal(last.status, 'SUCCESSFUL');
  assert.equal(last.terminal, true);
  assert.equal(last.duplicate, false);
  assert.deepEqual(last.data, CURRENT[3]);
  assert.ok(!Number.isNaN(Date.parse(last.receivedAt)));
  assert.equal(records[0].terminal, false);
  assert.equal(records[0].status, null);
});

test('walt.id legacy names; pretty output is one line per event', async () => {
  const r = await tail(['leg']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^\d\d:\d\d:\d\d\.\d{3} {2}resolved_credential_offer {2}wallet resolved the offer$/);
  assert.match(lines[2], /^\d\d:\d\d:\d\d\.\d{3} {2}jwt_issue {2}JWT credential issued$/);
  assert.match(lines[3], /^\d\d:\d\d:\d\d\.\d{3} {2}issuance_status {2}SUCCESSFUL {2}status changed$/);
});

test('terminal failures exit 3: UNSUCCESSFUL, REJECTED_BY_USER, isClosed without success', async () => {
  let r = await tail(['fail']);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /credential_request_failed {2}invalid_proof: proof expired/);
  assert.match(r.stderr, /session ended UNSUCCESSFUL/);
  r = await tail(['rejected', '--json']);
  assert.equal(r.code, 3);
  r = await tail(['closed', '--json']);
  assert.equal(r.code, 3);
});

test('unknown event types are printed, not dropped; --until on a type exits 0', async () => {
  const r = await tail(['open', '--json', '--until', 'future_event_nobody_knows_yet']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(types(r.stdout), ['credential_offer_retrieved', 'future_event_nobody_knows_yet']);
  assert.equal(parseNdjson(r.stdout)[1].data.custom, 1);
});

test('--until status:X, --events filter, and a session that ends before --until exits 1', async () => {
  let r = await tail(['cur', '--json', '--until', 'status:successful', '--events', 'issuance_status_changed']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(types(r.stdout), ['issuance_status_changed']);
  r = await tail(['cur', '--json', '--until', 'jwt_issue']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /session ended SUCCESSFUL before jwt_issue/);
  assert.equal(types(r.stdout).length, 4);
});

test('--events with unknown types warns naming --events and each type; --until is warned about only for its own type', async () => {
  const r = await tail(['cur', '--until', 'credential_request_w3c_vc_succeeded', '--events', 'x,bogus', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stderr,
    [
      'warning: --events x: no provider is known to send this event type (it is printed if it arrives)',
      'warning: --events bogus: no provider is known to send this event type (it is printed if it arrives)',
      '',
    ].join('\n'),
  );
  const both = await tail(['cur', '--until', 'jwt_isue', '--events', 'bogus', '--timeout', '3s', '--json']);
  assert.match(both.stderr, /^warning: --until jwt_isue: no provider is known to send this event type — did you mean jwt_issue\? \(it is still waited for\)$/m);
  assert.match(both.stderr, /^warning: --events bogus: no provider is known to send this event type \(it is printed if it arrives\)$/m);
});

test('a mid-stream drop reconnects; replayed events are printed once', async () => {
  const r = await tail(['drop', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(types(r.stdout), [
    'credential_offer_retrieved',
    'token_request_pre_authorized_code_succeeded',
    'credential_request_sd_jwt_vc_succeeded',
    'issuance_status_changed',
  ]);
  assert.equal(srv.attemptsOf(`${S}/drop/events`), 2);
  assert.match(r.stderr, /stream interrupted: connection closed by the server; reconnecting in \d+ms\n/);
});

test('named events with ids and retry: resume with Last-Event-ID', async () => {
  const r = await tail(['named', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const records = parseNdjson(r.stdout);
  assert.deepEqual(
    records.map((x) => [x.type, x.id]),
    [
      ['resolved_credential_offer', '1'],
      ['requested_token', '2'],
      ['jwt_issue', '3'],
    ],
  );
  assert.equal(records[2].status, 'COMPLETED');
  assert.equal(records[0].event, 'resolved_credential_offer');
  assert.equal(records[0].sessionId, 'named');
  assert.equal(hits.lastEventId, '2');
});

test('503 with Retry-After waits that long; 5xx is retried', async () => {
  let r = await tail(['busy', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(hits.busySecond - hits.busyFirst >= 900, `waited ${hits.busySecond - hits.busyFirst}ms`);
  assert.match(r.stderr, /503 from .*; reconnecting in 1s/);
  r = await tail(['flaky', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(srv.attemptsOf(`${S}/flaky/events`), 3);
});

test('401/403 exit 4 at once; 404 exits 5', async () => {
  let r = await tail(['auth401', '--json']);
  assert.equal(r.code, 4);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^error: authentication refused: 401 from .*auth401\/events: token expired\n$/);
  assert.equal(srv.attemptsOf(`${S}/auth401/events`), 1);
  r = await tail(['auth403']);
  assert.equal(r.code, 4);
  r = await tail(['nobody']);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /session not found: 404 .*: no session at/);
});

test('a 200 stream that closes at once, twice in a row, is a gone session: exit 5', async () => {
  const r = await tail(['gone']);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /closed before any event, twice in a row/);
  assert.equal(srv.attemptsOf(`${S}/gone/events`), 2);
});

test('--idle-timeout on a silent stream and --timeout exit 124', async () => {
  let r = await tail(['silent', '--idle-timeout', '600ms'], { timed: true });
  assert.equal(r.code, 124);
  assert.match(r.stderr, /no data for \ds \(--idle-timeout\)/);
  assert.ok(r.activeMs < 10_000);
  r = await tail(['slow', '--timeout', '150ms', '--json']);
  assert.equal(r.code, 124);
  assert.match(r.stderr, /no terminal status within 150ms \(--timeout\)/);
});

test('a text/html answer exits 1 naming the content type', async () => {
  const r = await tail(['html']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /expected text\/event-stream from .*, got text\/html; charset=utf-8/);
});

test('fail fast: a refused first connection exits 1 at once naming the URL; --wait-for-server retries for that long', async () => {
  const port = await refusedPort();
  let r = await runInProcess(['tail', `http://127.0.0.1:${port}/issuer2/sessions/x/events`, '--retries', '2', '--json'], { timed: true });
  assert.equal(r.code, 1);
  assert.ok(r.activeMs < 2000 + 1500, `no minute of retries: ${Math.round(r.activeMs)} ms`);
  assert.equal(r.stdout, '');
  assert.doesNotMatch(r.stderr, /reconnecting in/);
  assert.match(
    r.stderr,
    /^error: could not reach http:\/\/127\.0\.0\.1:\d+\/issuer2\/sessions\/x\/events: connection refused \(pass --wait-for-server <duration> if it is still starting\)\n$/,
  );
  r = await runInProcess(['tail', `http://127.0.0.1:${port}/issuer2/sessions/x/events`, '--wait-for-server', '1500ms', '--retries', '50']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /connection refused; reconnecting in/);
  // The words of offer create's refused request that waited (offer-create.test.mjs).
  assert.match(r.stderr, /error: could not reach .*: connection refused \(waited \d+(\.\d)?s for the server to start\)\n$/);
});

test("a port fetch refuses to use (6000, 1: the Fetch standard's bad ports) exits 2 at once saying so, without retries", async () => {
  /** @type {[string[], string][]} */
  const cases = [
    [['http://127.0.0.1:6000/issuer2/sessions/x/events'], 'http://127.0.0.1:6000/issuer2/sessions/x/events'],
    [['x', '--base-url', 'http://127.0.0.1:1'], 'http://127.0.0.1:1/issuer2/sessions/x/events'],
  ];
  for (const [args, url] of cases) {
    const r = await runInProcess(['tail', ...args, '--retries', '5', '--wait-for-server', '30s']);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    const port = new URL(url).port;
    assert.equal(r.stderr, `error: cannot fetch ${url}: port ${port} is blocked by fetch (a bad port in the Fetch standard); use another port\n`);
  }
  // The list is undici's own, so the check says exactly what the client would refuse.
  const { BAD_PORTS } = await import('../../dist/http/client.js');
  const { default: undici } = await import('undici/lib/web/fetch/constants.js');
  assert.deepEqual([...BAD_PORTS].sort(), [...undici.badPorts].map(Number).sort());
});

test('SSE parsing: BOM, comments, data: without space, CRLF, lone CR, multi-line data, no-data events, UTF-8', async () => {
  const r = await tail(['edge', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const records = parseNdjson(r.stdout);
  assert.deepEqual(
    records.map((x) => x.type),
    ['no_space', 'crlf', 'lone_cr', 'multi', 'named_no_json', 'unicode', 'issuance_status_changed'],
  );
  assert.equal(records[4].data, 'plain text');
  assert.equal(records[5].data.name, 'Zoë ✓ 🎓');
});

test('payloads with terminal escape sequences are printed escaped', async () => {
  const r = await tail(['evil', '-v']);
  assert.equal(r.code, 3);
  assert.doesNotMatch(r.stdout + r.stderr, /[\u001b\u0007\u009b]/);
  assert.match(r.stdout, /bad\\x1b\[2J: \\x1b\]0;owned\\x07\\x9b31m/);
});

test('several sessions at once: prefixed output, the worst exit code wins', async () => {
  const r = await tail(['cur', 'fail', 'leg']);
  assert.equal(r.code, 3);
  assert.match(r.stdout, / {2}cur {2}issuance_status_changed {2}SUCCESSFUL/);
  assert.match(r.stdout, / {2}fail {2}credential_request_failed/);
  assert.match(r.stdout, / {2}leg {2}jwt_issue/);
  assert.match(r.stderr, /\[fail\] session ended UNSUCCESSFUL/);
});

test('absolute URLs and the Enterprise endpoint with a Bearer token', async () => {
  let r = await runInProcess(['tail', `${srv.url}${S}/cur/events`, '--json']);
  assert.equal(r.code, 0, r.stderr);
  r = await tail(['ent1', '--target', 'acme.main.issuer', '--token', 'sekret-token-123', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(hits.entAuth, 'Bearer sekret-token-123');
  assert.doesNotMatch(r.stdout + r.stderr, /sekret-token-123/);
});

test('--save appends capture records; SIGINT closes the capture and exits 130', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-tail-'));
  const file = join(dir, 'events.ndjson');
  let r = await tail(['cur', '--save', file, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  r = await tail(['leg', '--save', file, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  let saved = parseNdjson(readFileSync(file, 'utf8'));
  assert.deepEqual(
    saved.map((x) => x.sessionId),
    ['cur', 'cur', 'cur', 'cur', 'leg', 'leg', 'leg', 'leg'],
  );

  const pending = tailProcess(['open', '--save', file, '--json']);
  await waitFor(() => readFileSync(file, 'utf8').split('\n').length > 10);
  pending.child.kill('SIGINT');
  r = await pending;
  assert.equal(r.code, 130);
  saved = parseNdjson(readFileSync(file, 'utf8'));
  assert.deepEqual(
    saved.slice(8).map((x) => x.type),
    ['credential_offer_retrieved', 'future_event_nobody_knows_yet'],
  );

  r = await tail(['cur', '--save', '/no/such/dir/x.ndjson']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: cannot open capture file \/no\/such\/dir\/x\.ndjson: ENOENT\n$/);
});

test('usage errors exit 2: no session, bad durations, bad --retries', async () => {
  for (const args of [['tail'], ['tail', 'x', '--timeout', 'soon'], ['tail', 'x', '--retries', '-1'], ['tail', 'x', '--until', '']]) {
    const r = await runInProcess(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('a malformed stream URL exits 2 naming it, never "unexpected failure"', async () => {
  for (const url of ['http://', 'https://', 'http://[::1', 'http://a b/']) {
    const r = await runInProcess(['tail', url]);
    assert.equal(r.code, 2, `${url}: ${r.stderr}`);
    assert.match(r.stderr, /^error: invalid stream URL "[^"]+": expected an absolute http\(s\) URL \(not an absolute URL\)\n$/, url);
  }
});

test('an empty session id is a usage error (exit 2), not an unknown session (exit 5)', async () => {
  for (const args of [[''], ['ok', '  ']]) {
    const r = await runInProcess(['tail', ...args, '--base-url', 'http://127.0.0.1:1']);
    assert.equal(r.code, 2, `${JSON.stringify(args)}: ${r.stderr}`);
    assert.equal(r.stderr, 'error: empty session id: pass a session id or an http(s) stream URL\n');
  }
});

test('--max-event-size 0 and a negative or zero --timeout are refused: exit 2 naming the flag and the rule', async () => {
  /** @type {[string[], string][]} */
  const cases = [
    [['--max-event-size', '0'], 'error: invalid --max-event-size "0": must be at least 1 byte\n'],
    [['--timeout', '-5s'], 'error: invalid --timeout "-5s": must be at least 1ms\n'],
    [['--idle-timeout', '0ms'], 'error: invalid --idle-timeout "0ms": must be at least 1ms\n'],
    [['--wait-for-server', '-1'], 'error: invalid --wait-for-server "-1": must not be negative\n'],
  ];
  for (const [args, message] of cases) {
    const r = await runInProcess(['tail', 'x', '--base-url', 'http://127.0.0.1:1', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, message);
  }
});

test('a reader that goes away (| head -1) stops tail cleanly: no EPIPE crash, capture complete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-pipe-'));
  const file = join(dir, 'events.ndjson');
  const many = await startSseServer({
    '/issuer2/sessions/firehose/events': async (req, res) => {
      openStream(res);
      for (let i = 0; i < 100_000 && !res.destroyed; i++) {
        if (!res.write(frame(envelope('firehose', 'credential_request_w3c_vc_succeeded', { requestId: `r${i}` })))) await new Promise((r) => res.once('drain', r));
      }
    },
  });
  const pending = runCli(['tail', 'firehose', '--base-url', many.url, '--json', '--save', file], {
    onStdout: (d, child) => child.stdout.destroy(),
  });
  const r = await pending;
  await many.close();
  // docs/exit-codes.md: a stdout reader that goes away stops the command quietly with exit 0.
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /EPIPE|\n\s+at /);
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'the file ends with a whole line');
  // An empty capture would pass the checks above: events were captured before stdout closed.
  assert.ok(lines.length > 0, 'events were captured');
  for (const line of lines) assert.equal(JSON.parse(line).sessionId, 'firehose');
});
