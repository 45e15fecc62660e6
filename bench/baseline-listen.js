// Baseline for `listen`: bare node:http + Standard Webhooks HMAC check + append to a file,
// answering after the line is written. Usage: node baseline-listen.js <secret> <file>
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';

const [secret, file] = process.argv.slice(2);
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
const out = createWriteStream(file, { flags: 'a' });
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const id = req.headers['webhook-id'];
    const ts = req.headers['webhook-timestamp'];
    const expected = createHmac('sha256', key).update(`${id}.${ts}.`).update(body).digest();
    const given = Buffer.from(String(req.headers['webhook-signature']).slice(3), 'base64');
    const valid = given.length === expected.length && timingSafeEqual(given, expected);
    out.write(`${JSON.stringify({ id, valid, body: body.toString('utf8') })}\n`, () => {
      res.writeHead(valid ? 200 : 401, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
});
server.listen(0, '127.0.0.1', () => process.stderr.write(`Ready! Listening on http://127.0.0.1:${server.address().port}/\n`));
