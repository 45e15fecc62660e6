// A walt.id-style SSE source for benchmarks, run as its own process so that it does not share
// an event loop with what is measured. Usage: node sse-source.js <events> [sessions]
// Prints the port on stdout. Each GET /issuer2/sessions/<id>/events streams `{}`, <events>
// unique data-only envelopes and a SUCCESSFUL status, then (like walt.id) keeps the stream open.
// GET /idle/<id> streams `{}` and then a keep-alive comment every 5 s (for concurrent tails).
import { createServer } from 'node:http';

const total = Number(process.argv[2] ?? 1_000_000);

function envelope(id, i) {
  return `data: {"target":"${id}","event":"credential_request_w3c_vc_succeeded","session":{"id":"${id}","profileId":"openBadgeCredential"},"requestId":"req-${i}"}\n\n`;
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const parts = url.pathname.split('/');
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write('data: {}\n\n');
  if (parts[1] === 'idle') {
    const timer = setInterval(() => res.write(': ping\n\n'), 5000);
    req.on('close', () => clearInterval(timer));
    return;
  }
  const id = parts[3];
  const batch = 500;
  for (let i = 0; i < total; i += batch) {
    let chunk = '';
    for (let j = i; j < Math.min(total, i + batch); j++) chunk += envelope(id, j);
    if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
    if (res.destroyed) return;
  }
  res.write(`data: {"target":"${id}","event":"issuance_status_changed","session":{"id":"${id}","status":"SUCCESSFUL","isClosed":true}}\n\n`);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
