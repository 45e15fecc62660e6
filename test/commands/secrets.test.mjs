// An empty secret is no secret (issue 25, finding 21): an HMAC keyed with '' is one anyone can make.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { request } from 'undici';
import { runCli, startListen } from '../helpers/cli.mjs';

test('21. an empty --secret, or an empty part of ISSUER_EVENTS_WEBHOOK_SECRET, exits 2 in listen, verify, trigger, replay and inspect', async () => {
  const body = '{"type":"x"}';
  // What a delivery HMAC'd with the empty key looks like: listen showed it as "✓ verified".
  const forged = createHmac('sha256', '').update(body).digest('hex');
  const verify = ['verify', '--scheme', 'hmac-sha256', '--header', `x-signature: ${forged}`, '--body', body];
  const trigger = ['trigger', 'openid4vc.issuance.completed', '--to', 'http://127.0.0.1:1/hook', '--scheme', 'hmac-sha256'];
  /** @type {[string[], Record<string, string>, RegExp][]} */
  const runs = [
    [['listen', '--port', '0', '--secret', ''], {}, /^error: invalid --secret "": a signing secret cannot be empty\n$/],
    [['listen', '--port', '0', '--secret', 'good-secret', '--secret', '  '], {}, /^error: invalid --secret " {2}": a signing secret cannot be empty\n$/],
    [[...verify, '--secret', ''], {}, /^error: invalid --secret "": a signing secret cannot be empty\n$/],
    [[...trigger, '--secret', ''], {}, /^error: invalid --secret "": a signing secret cannot be empty\n$/],
    [['replay', '/dev/null', '--to', 'http://127.0.0.1:1/', '--scheme', 'hmac-sha256', '--secret', ''], {}, /^error: invalid --secret "": /],
    [['inspect', '--port', '0', '--secret', ''], {}, /^error: invalid --secret "": /],
    [
      ['listen', '--port', '0'],
      { ISSUER_EVENTS_WEBHOOK_SECRET: 'good-secret,,other' },
      /^error: ISSUER_EVENTS_WEBHOOK_SECRET holds an empty secret \(part 2 of 3\): a signing secret cannot be empty\n$/,
    ],
    [verify, { ISSUER_EVENTS_WEBHOOK_SECRET: 'good-secret,' }, /^error: ISSUER_EVENTS_WEBHOOK_SECRET holds an empty secret \(part 2 of 2\)/],
    [trigger, { ISSUER_EVENTS_WEBHOOK_SECRET: ' , ' }, /^error: ISSUER_EVENTS_WEBHOOK_SECRET holds an empty secret \(part 1 of 2\)/],
  ];
  for (const [args, env, message] of runs) {
    const r = await runCli(args, { env, timeoutMs: 15_000, onStderr: (d, child) => /Ready|Inspector:/.test(d) && child.kill('SIGKILL') });
    assert.equal(r.code, 2, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('21. an unset variable is no secret at all, not an empty one: listen then verifies nothing as signed', async () => {
  const body = '{"type":"x"}';
  const l = await startListen(['--scheme', 'auto'], { env: { ISSUER_EVENTS_WEBHOOK_SECRET: '' } });
  const res = await request(l.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', '').update(body).digest('hex')}` },
    body,
  });
  await res.body.dump();
  assert.equal(res.statusCode, 401);
  l.child.kill('SIGTERM');
  await l.result;
});
