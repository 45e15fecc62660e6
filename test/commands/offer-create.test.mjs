import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, parseNdjson, waitFor } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { refusedPort } from '../helpers/http.mjs';
import { startIssuerDouble } from '../helpers/issuer-double.mjs';
import { loadProfiles, SandboxIssuer } from 'issuer-events';

let issuer;
before(async () => {
  issuer = await startIssuerDouble();
});
after(() => issuer.close());
beforeEach(() => {
  issuer.requests.length = 0;
  issuer.force(null);
});

const create = (args, options) => runInProcess(['offer', 'create', '--base-url', issuer.url, ...args], options);

test('issuer2: POSTs exactly the known fields and prints the offer', async () => {
  const r = await create([
    '--profile',
    'openBadgeCredential',
    '--webhook-url',
    'http://127.0.0.1:8787/hook',
    '--expires-in',
    '10m',
    '--value-mode',
    'by_value',
    '--session-id',
    'my-session',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(issuer.requests.length, 1);
  const req = issuer.requests[0];
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/issuer2/credential-offers');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.match(req.headers['user-agent'], /^issuer-events\/\d+\.\d+\.\d+$/);
  assert.equal(req.headers.authorization, undefined);
  assert.deepEqual(req.body, {
    profileId: 'openBadgeCredential',
    authMethod: 'PRE_AUTHORIZED',
    valueMode: 'BY_VALUE',
    expiresInSeconds: 600,
    sessionId: 'my-session',
    runtimeOverrides: { notifications: { webhook: { url: 'http://127.0.0.1:8787/hook' } } },
  });
  assert.match(r.stdout, /^Session\s+my-session$/m);
  assert.match(r.stderr, /Next: issuer-events tail my-session/);
  assert.match(r.stdout, /^Offer URI openid-credential-offer:\/\/\?credential_offer_uri=/m);
  assert.match(r.stdout, /^Expires\s+\d{4}-\d\d-\d\dT.*\(in 10m\)$/m);
  // Not a TTY: no QR code, no colour.
  assert.doesNotMatch(r.stdout, /[\u2580-\u259f]/);
  assert.doesNotMatch(r.stdout, /\u001b\[/);
});

test('--overrides and --credential-data deep-merge; --webhook-url wins', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-'));
  const file = join(dir, 'data.json');
  writeFileSync(file, JSON.stringify({ credentialSubject: { name: 'Ada', achievement: { id: 'x' } } }));
  const r = await create([
    '--profile',
    'openBadgeCredential',
    '--overrides',
    JSON.stringify({ issuerDid: 'did:key:z6Mk', credentialData: { credentialSubject: { achievement: { name: 'A' } } }, notifications: { webhook: { url: 'http://old' } } }),
    '--credential-data',
    `@${file}`,
    '--webhook-url',
    'http://127.0.0.1:9/new',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(issuer.requests[0].body.runtimeOverrides, {
    issuerDid: 'did:key:z6Mk',
    credentialData: { credentialSubject: { name: 'Ada', achievement: { name: 'A', id: 'x' } } },
    notifications: { webhook: { url: 'http://127.0.0.1:9/new' } },
  });
});

test('--tx-code asks for a numeric code; a value fixes it; --expires-in never is -1', async () => {
  let r = await create(['--profile', 'p', '--tx-code', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(issuer.requests[0].body.txCode, { input_mode: 'numeric', length: 6 });
  assert.equal(JSON.parse(r.stdout).txCodeValue, '123456');
  r = await create(['--profile', 'p', '--tx-code', '4711', '--expires-in', 'never', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(issuer.requests[1].body.txCode, { input_mode: 'numeric', length: 4 });
  assert.equal(issuer.requests[1].body.txCodeValue, '4711');
  assert.equal(issuer.requests[1].body.expiresInSeconds, -1);
  r = await create(['--profile', 'p', '--tx-code', '--auth-method', 'AUTHORIZED']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--tx-code needs --auth-method PRE_AUTHORIZED/);
});

test('-v masks the tx code whole in the request and the response, which stay JSON', async () => {
  const r = await create(['--profile', 'p', '--tx-code', '493536', '-v', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const sent = JSON.parse(/^> (\{.*)$/m.exec(r.stderr)?.[1] ?? 'null');
  const received = JSON.parse(/^< (\{.*)$/m.exec(r.stderr)?.[1] ?? 'null');
  assert.equal(sent.txCodeValue, '[masked]');
  assert.equal(received.txCodeValue, '[masked]');
  assert.deepEqual(sent.txCode, { input_mode: 'numeric', length: 6 }, 'what the code looks like is not a secret');
  assert.doesNotMatch(r.stderr, /4935/);
  // stdout is the data the user asked for: the code is there.
  assert.equal(JSON.parse(r.stdout).txCodeValue, '493536');
});

test('--json prints the server response object as one line and nothing else', async () => {
  const r = await create(['--profile', 'openBadgeCredential', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = parseNdjson(r.stdout);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].offerId, 'sess-1');
  assert.equal(lines[0].profileId, 'openBadgeCredential');
  assert.equal(typeof lines[0].expiresAt, 'number');
  assert.equal(r.stderr, '');
});

test('Enterprise: profile in the path, Bearer token, no profileId in the body', async () => {
  const r = await create(['--profile', 'openBadgeCredential', '--target', 'acme.main.issuer', '--token', 'ent-token', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const req = issuer.requests[0];
  assert.equal(req.url, '/v2/acme.main.issuer.openBadgeCredential/issuer-service-api/credentials/offers');
  assert.equal(req.headers.authorization, 'Bearer ent-token');
  assert.deepEqual(req.body, { authMethod: 'PRE_AUTHORIZED' });
  assert.equal(JSON.parse(r.stdout).profileId, 'openBadgeCredential');
});

test('Enterprise token from the environment; a wrong token exits 4 without printing it', async () => {
  let r = await create(['--profile', 'p', '--target', 'acme.main.issuer', '--json'], { env: { ISSUER_EVENTS_TOKEN: 'ent-token' } });
  assert.equal(r.code, 0, r.stderr);
  r = await create(['--profile', 'p', '--target', 'acme.main.issuer'], { env: { ISSUER_EVENTS_TOKEN: 'wrong-secret-token' } });
  assert.equal(r.code, 4);
  assert.match(r.stderr, /^error: authentication refused: 401 from .*: Invalid token\n$/);
  assert.doesNotMatch(r.stderr + r.stdout, /wrong-secret-token/);
  r = await create(['--profile', 'p', '--target', 'acme.main.issuer']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs a token/);
});

for (const [status, code, id] of [
  [400, 1, 'BadRequestException'],
  [401, 4, 'UnauthorizedException'],
  [403, 4, 'ForbiddenException'],
  [404, 5, 'NotFoundException'],
  [500, 1, 'InternalServerError'],
  [503, 1, 'ServiceUnavailable'],
]) {
  test(`server ${status} → exit ${code} with the server's message`, async () => {
    issuer.force(status, JSON.stringify({ exception: true, id, status: 'x', code: String(status), message: `Profile thing went wrong ${status}` }));
    const r = await create(['--profile', 'p', '--json']);
    assert.equal(r.code, code);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^error: .*${status} from http://127\\.0\\.0\\.1:\\d+/issuer2/credential-offers: Profile thing went wrong ${status}\\n$`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
}

test("an unknown profile (404): the issuer's profiles are listed and the closest suggested; exit 5 still", async () => {
  const sandbox = new SandboxIssuer({ host: '127.0.0.1', port: 0, profiles: loadProfiles(), eventNames: 'current' });
  await sandbox.start();
  try {
    const createOn = (profile) => runInProcess(['offer', 'create', '--base-url', sandbox.url, '--profile', profile]);
    let r = await createOn('openbadgecredential');
    assert.equal(r.code, 5, r.stderr);
    assert.match(
      r.stderr,
      /^error: not found: 404 from http:\/\/127\.0\.0\.1:\d+\/issuer2\/credential-offers: Profile not found: openbadgecredential — did you mean openBadgeCredential\?\n$/,
    );
    r = await createOn('nothingLikeIt');
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /Profile not found: nothingLikeIt — the issuer's profiles: openBadgeCredential, universityDegree, identityCredentialSdJwt, isoMdl\n$/);
  } finally {
    await sandbox.close();
  }
  // An issuer that cannot list its profiles: the 404 as it was.
  issuer.force(404, JSON.stringify({ exception: true, message: 'Profile not found: x' }));
  const r = await create(['--profile', 'x']);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /: Profile not found: x\n$/);
});

test('the unknown-field 400 from a strict issuer surfaces its message', async () => {
  const r = await create(['--profile', 'p', '--overrides', '{"bogus":1}']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Request body contains unknown field\(s\): runtimeOverrides\.bogus/);
});

test('an error body with terminal escape sequences is printed escaped', async () => {
  issuer.force(400, JSON.stringify({ message: 'bad \u001b[31mred\u001b]0;pwned\u0007 \u009b2J end' }));
  const r = await create(['--profile', 'p']);
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stderr, /[\u001b\u0007\u009b]/);
  assert.match(r.stderr, /bad \\x1b\[31mred\\x1b\]0;pwned\\x07 \\x9b2J end/);
});

test('a non-JSON error body is previewed; a 2xx without offerId fails clearly', async () => {
  issuer.force(502, '<html>Bad gateway</html>', 'text/html');
  let r = await create(['--profile', 'p']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /502 from .*: <html>Bad gateway<\/html>/);
  issuer.force(201, '{"ok":true}');
  r = await create(['--profile', 'p']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /without offerId\/credentialOffer/);
});

test('a refused connection names the URL; exit 1', async () => {
  const port = await refusedPort();
  const r = await runInProcess(['offer', 'create', '--profile', 'p', '--base-url', `http://127.0.0.1:${port}`]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `error: could not reach http://127.0.0.1:${port}/issuer2/credential-offers: connection refused\n`);
});

test('--wait-for-server retries a refused create request until the issuer is up; past it, exit 1 saying how long it waited', async () => {
  const port = await refusedPort();
  let stderr = '';
  const run = runCli(['offer', 'create', '--profile', 'openBadgeCredential', '--base-url', `http://127.0.0.1:${port}`, '--wait-for-server', '30s', '--json', '-v'], {
    timeoutMs: 60_000,
    onStderr: (d) => (stderr += d),
  });
  // -v shows the refused attempt: only then does the issuer start (an issuer starting in CI).
  await waitFor(() => /^\* connection refused/m.test(stderr), { timeoutMs: 30_000 });
  const late = await startIssuerDouble({ port });
  try {
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    const [offer] = parseNdjson(r.stdout);
    assert.equal(offer.kind, 'offer');
    assert.equal(late.requests.length, 1, 'one offer created');
  } finally {
    await late.close();
  }
  const r = await runInProcess(['offer', 'create', '--profile', 'p', '--base-url', `http://127.0.0.1:${port}`, '--wait-for-server', '300ms']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: could not reach http:\/\/127\.0\.0\.1:\d+\/issuer2\/credential-offers: connection refused \(waited \d+ms for the server to start\)\n$/);
});

test('bad input exits 2 with one line naming the problem', async () => {
  /** @type {[string[], RegExp][]} */
  const cases = [
    [['offer', 'create'], /^error: missing required option --profile <profileId>\n$/],
    [['offer', 'create', '--profile', 'p', '--overrides', '{nope'], /^error: --overrides is not valid JSON: /],
    [['offer', 'create', '--profile', 'p', '--overrides', '[1]'], /^error: --overrides must be a JSON object\n$/],
    [['offer', 'create', '--profile', 'p', '--credential-data', '@/does/not/exist.json'], /^error: cannot read --credential-data file \/does\/not\/exist\.json: ENOENT\n$/],
    [['offer', 'create', '--profile', 'p', '--base-url', 'not a url'], /^error: --base-url is not a valid URL: not a url\n$/],
    [['offer', 'create', '--profile', 'p', '--base-url', 'ftp://x'], /^error: --base-url must be an http or https URL/],
    [['offer', 'create', '--profile', 'p', '--auth-method', 'MAGIC'], /^error: invalid --auth-method "MAGIC"/],
    [['offer', 'create', '--profile', 'p', '--expires-in', 'soon'], /^error: invalid --expires-in "soon"/],
    [['offer', 'create', '--profile', 'p', '--webhook-url', 'nope'], /^error: invalid --webhook-url "nope"/],
    [['offer', 'create', '--profile', 'p', '--target', 'justone'], /^error: --target must look like org\.tenant\.issuerService/],
    [['offer', 'create', '--profile', 'p', '--token', 'line\nbreak'], /^error: --token holds a line break or control character \(it is sent in an HTTP header\)\n$/],
    [['offer', 'create', '--profile', 'p', '--context', 'nope'], /^error: unknown context "nope"/],
    [['offer', 'create', '--profile', 'p', '--no-such-flag'], /^error: unknown option '--no-such-flag'/],
    [['offer', 'create', '--profile', 'p', '--tail', '--base-url', 'http://127.0.0.1:6000'], /^error: cannot fetch http:\/\/127\.0\.0\.1:6000: port 6000 is blocked by fetch/],
    [['offer', 'create', '--profile', 'p', '--session-id', ''], /^error: invalid --session-id "": empty\n$/],
    // A choice flag like the others: the value is checked, never cast (INCLUDE, OMIT; any case).
    [
      ['offer', 'create', '--profile', 'p', '--auth-method', 'AUTHORIZED', '--issuer-state-mode', 'SOMETIMES'],
      /^error: invalid --issuer-state-mode "SOMETIMES": use INCLUDE or OMIT\n$/,
    ],
    [['offer', 'create', '--profile', 'p', '--issuer-state-mode', 'nope'], /^error: invalid --issuer-state-mode "NOPE": use INCLUDE or OMIT\n$/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runInProcess(args, { env: { ISSUER_EVENTS_BASE_URL: issuer.url } });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
  }
  assert.equal(issuer.requests.length, 0, 'nothing was sent');
});

test('a duration or size that cannot work is refused naming the flag and the rule, with or without --tail', async () => {
  /** @type {[string[], string][]} */
  const cases = [
    [['--timeout', '-5s'], 'error: invalid --timeout "-5s": must be at least 1ms\n'],
    [['--timeout', '0'], 'error: invalid --timeout "0": must be at least 1ms\n'],
    [['--timeout', '-5s', '--tail'], 'error: invalid --timeout "-5s": must be at least 1ms\n'],
    [['--idle-timeout', '-1s', '--claim'], 'error: invalid --idle-timeout "-1s": must be at least 1ms\n'],
    [['--max-event-size', '0', '--tail'], 'error: invalid --max-event-size "0": must be at least 1 byte\n'],
    [['--max-event-size', '-1mb'], 'error: invalid --max-event-size "-1mb": must be at least 1 byte\n'],
  ];
  for (const [args, message] of cases) {
    const r = await create(['--profile', 'p', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, message, args.join(' '));
  }
  assert.equal(issuer.requests.length, 0, 'nothing was sent');
});

test('--verbose adds a stack trace to errors; without it there is none', async () => {
  const r = await create(['--profile', 'p', '--overrides', '{x', '--verbose']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\n\s+at /);
});

test('NO_COLOR and --no-color win over FORCE_COLOR; FORCE_COLOR colours a pipe', async () => {
  issuer.force(400, JSON.stringify({ message: 'nope' }));
  let r = await create(['--profile', 'p'], { env: { FORCE_COLOR: '1' } });
  assert.match(r.stderr, /\u001b\[31merror:/);
  r = await create(['--profile', 'p'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
  assert.doesNotMatch(r.stderr, /\u001b/);
  r = await create(['--profile', 'p', '--no-color'], { env: { FORCE_COLOR: '1' } });
  assert.doesNotMatch(r.stderr, /\u001b/);
});

test('--tail warns about event types no provider sends, naming --until or --events as tail does', async () => {
  issuer.stream('warned', [{ target: 'warned', event: 'issuance_status_changed', session: { id: 'warned', status: 'SUCCESSFUL' } }]);
  const r = await create(['--profile', 'p', '--session-id', 'warned', '--tail', '--events', 'bogus', '--until', 'status:SUCCESSFUL', '--json', '--timeout', '20s']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'warning: --events bogus: no provider is known to send this event type (it is printed if it arrives)\n');
});

test('--tail follows the new session in the same process with the exit codes of tail', async () => {
  const env = (id, event, status) => ({ target: id, event, session: { id, ...(status ? { status } : {}) } });
  issuer.stream('tailed-ok', [env('tailed-ok', 'credential_offer_retrieved'), env('tailed-ok', 'issuance_status_changed', 'SUCCESSFUL')]);
  issuer.stream('tailed-bad', [env('tailed-bad', 'issuance_status_changed', 'EXPIRED')]);
  issuer.stream('tailed-slow', []);
  let r = await create(['--profile', 'p', '--session-id', 'tailed-ok', '--tail', '--json', '--timeout', '20s']);
  assert.equal(r.code, 0, r.stderr);
  const lines = parseNdjson(r.stdout);
  assert.deepEqual(
    lines.map((l) => l.offerId ?? l.type),
    ['tailed-ok', 'credential_offer_retrieved', 'issuance_status_changed'],
  );
  r = await create(['--profile', 'p', '--session-id', 'tailed-bad', '--tail']);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^Session\s+tailed-bad$/m);
  assert.match(r.stdout, /issuance_status_changed {2}EXPIRED/);
  r = await create(['--profile', 'p', '--session-id', 'tailed-slow', '--tail', '--timeout', '300ms', '--quiet']);
  assert.equal(r.code, 124);
});

test('--tail --timeout with no event says what fits offer create: nobody fetched the offer yet, claim it', async () => {
  issuer.stream('tailed-silent', []);
  const r = await create(['--profile', 'p', '--session-id', 'tailed-silent', '--tail', '--timeout', '300ms']);
  assert.equal(r.code, 124, r.stderr);
  // The session was subscribed to as it was created: nothing can have been missed, so tail's
  // advice ("start tail before the wallet claims, or use offer create --tail") does not apply.
  assert.doesNotMatch(r.stderr, /offer create --tail|replays nothing|before tail subscribed/);
  assert.match(
    r.stderr,
    /^error: no terminal status within 300ms \(--timeout\); no event arrived: no wallet has fetched the offer yet — claim it with issuer-events claim tailed-silent --base-url http:\/\/127\.0\.0\.1:\d+, or use --claim$/m,
  );
});
