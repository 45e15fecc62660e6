// Baseline for `tail --json`: bare undici + eventsource-parser, one JSON line per event,
// stopping at the terminal status. What the tool does minus everything that makes it a tool.
import { request } from 'undici';
import { createParser } from 'eventsource-parser';

const url = process.argv[2];
const res = await request(url, { headers: { accept: 'text/event-stream' }, bodyTimeout: 0 });
let out = '';
let done = false;
const parser = createParser({
  onEvent(message) {
    if (message.data === '{}') return;
    const data = JSON.parse(message.data);
    out += `${JSON.stringify({ v: 1, source: 'sse', receivedAt: new Date().toISOString(), type: data.event, sessionId: data.target, data })}\n`;
    if (data.session?.status) done = true;
  },
});
const decoder = new TextDecoder();
for await (const chunk of res.body) {
  parser.feed(decoder.decode(chunk, { stream: true }));
  if (out) {
    const more = process.stdout.write(out);
    out = '';
    if (!more) await new Promise((r) => process.stdout.once('drain', r));
  }
  if (done) break;
}
process.exit(0);
