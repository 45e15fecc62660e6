// The inspector page: plain DOM, no framework and no build step. Every value from a record is put
// in the page as text (textContent, text nodes, input values), never parsed as HTML: payloads
// containing <script> or onerror= stay inert. The list is virtual (only visible rows exist), so
// tens of thousands of records do not freeze the tab.

const ROW = 26;
const GAP_MS = 2000;
const MAX_SESSIONS = 300;
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';

const state = {
  items: [],
  filtered: [],
  selected: undefined,
  view: 'list',
  config: { title: '', replayTo: null, resigns: false, receiver: null, tunnel: null },
  providers: new Set(),
  types: new Set(),
  pending: [],
  scheduled: false,
  /** The earliest and latest local days of the records (`YYYY-MM-DD`). */
  firstDay: undefined,
  lastDay: undefined,
};

const $ = (id) => document.getElementById(id);

/** Creates an element; string children become text nodes (never HTML). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'style') Object.assign(node.style, value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

/** A value as text: strings as they are, other values as JSON; null and undefined stay absent. */
function asText(value) {
  if (value === null || value === undefined || typeof value === 'string') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const TEXT_FIELDS = ['source', 'receivedAt', 'provider', 'type', 'sessionId', 'status', 'id', 'scheme', 'reason', 'url', 'acceptance', 'responseStatus'];

/**
 * The record as the page reads it. Readers accept fields of types they do not use (a capture
 * file is anyone's), so every field the page reads is made the type it expects here, once: the
 * list, the detail, the timeline and Copy as curl never meet a `redacted` that is a string or
 * `request.headers: null`.
 */
function shownRecord(record) {
  const r = { ...record };
  for (const key of TEXT_FIELDS) if (key in r) r[key] = asText(r[key]);
  if (r.redacted !== undefined && r.redacted !== null) r.redacted = (Array.isArray(r.redacted) ? r.redacted : [r.redacted]).map(asText).filter((v) => v);
  const q = r.request;
  if (q === null || typeof q !== 'object' || Array.isArray(q)) delete r.request;
  else {
    const headers = q.headers !== null && typeof q.headers === 'object' && !Array.isArray(q.headers) ? q.headers : {};
    r.request = {
      method: asText(q.method) ?? 'POST',
      path: asText(q.path) ?? '/',
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, asText(v) ?? ''])),
      body: asText(q.body) ?? undefined,
      bodyBase64: asText(q.bodyBase64) ?? undefined,
      bodyOmitted: Boolean(q.bodyOmitted),
    };
  }
  return r;
}

/** What the list shows of a record, computed once. */
function describe(entry) {
  const r = shownRecord(entry.record);
  entry.record = r;
  let verdict = 'sse';
  if (r.source === 'webhook') verdict = r.duplicate ? 'duplicate' : (r.acceptance ?? (r.verified ? 'verified' : 'rejected'));
  if (r.source === 'session') verdict = 'session';
  const failed = verdict === 'rejected' || /(_|\.)failed$/.test(r.type ?? '') || ['UNSUCCESSFUL', 'FAILED', 'REJECTED_BY_USER', 'EXPIRED'].includes(r.status ?? '');
  return {
    ...entry,
    time: Date.parse(r.receivedAt),
    verdict,
    failed,
    verdictText: r.source === 'webhook' && r.responseStatus ? `${verdict} ${r.responseStatus}` : verdict,
  };
}

/** `1 record`, `2 records`: every count the page shows goes through here. */
function count(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function clock(ms) {
  const d = new Date(ms);
  return Number.isNaN(ms) ? '?' : `${d.toTimeString().slice(0, 8)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** The local calendar day of a time, `2026-11-24`. */
function day(ms) {
  if (Number.isNaN(ms)) return '?';
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Date and local time, `2026-11-24 10:00:00.000`. */
function dateTime(ms) {
  return Number.isNaN(ms) ? '?' : `${day(ms)} ${clock(ms)}`;
}

/** The list needs dates once its records are on more than one local day (23:59 and 00:01 are two days). */
function multiDay() {
  return state.firstDay !== undefined && state.firstDay !== state.lastDay;
}

// ---- data ----

function connect() {
  const source = new EventSource(`/api/stream?token=${encodeURIComponent(token)}`);
  source.addEventListener('config', (e) => {
    state.config = JSON.parse(e.data);
    $('title').textContent = state.config.title;
    showTunnel(state.config.tunnel);
    if (!$('replay-to').value && state.config.replayTo) $('replay-to').value = state.config.replayTo;
  });
  source.addEventListener('message', (e) => {
    state.pending.push(e.data);
    schedule();
  });
  source.addEventListener('ready', () => {
    $('connection').textContent = 'live';
    $('connection').className = 'connection live';
    schedule();
    flush();
    document.body.dataset.ready = 'true';
  });
  source.addEventListener('error', () => {
    $('connection').textContent = token ? 'reconnecting…' : 'no token in the URL: open the link the command printed';
    $('connection').className = 'connection';
  });
}

/** `listen --tunnel`: the public URL deliveries come in on (this page itself is only on loopback). */
function showTunnel(tunnel) {
  const node = $('public-url');
  node.hidden = !tunnel;
  if (!tunnel) return;
  node.textContent = `public ${tunnel.url} (${tunnel.provider})${tunnel.connected ? '' : ': reconnecting…'}`;
  node.title = `Deliveries sent to ${tunnel.url} arrive here through ${tunnel.provider}, bytes unchanged; this page is only on this machine.`;
  node.className = tunnel.connected ? 'public-url' : 'public-url lost';
}

function schedule() {
  if (state.scheduled) return;
  state.scheduled = true;
  requestAnimationFrame(flush);
}

/** Records that arrived since the last frame are added in one go. */
function flush() {
  state.scheduled = false;
  if (state.pending.length === 0) return;
  const batch = state.pending;
  state.pending = [];
  let newOptions = false;
  for (const text of batch) {
    const item = describe(JSON.parse(text));
    item.text = text;
    state.items.push(item);
    if (!Number.isNaN(item.time)) {
      const d = day(item.time);
      if (state.firstDay === undefined || d < state.firstDay) state.firstDay = d;
      if (state.lastDay === undefined || d > state.lastDay) state.lastDay = d;
    }
    if (item.record.provider && !state.providers.has(item.record.provider)) {
      state.providers.add(item.record.provider);
      newOptions = true;
    }
    if (item.record.type && !state.types.has(item.record.type) && state.types.size < 500) {
      state.types.add(item.record.type);
      newOptions = true;
    }
  }
  if (newOptions) refreshOptions();
  applyFilters();
}

function refreshOptions() {
  for (const [id, values] of [
    ['f-provider', state.providers],
    ['f-type', state.types],
  ]) {
    const select = $(id);
    const current = select.value;
    select.replaceChildren(el('option', { value: '' }, 'all'), ...[...values].sort().map((v) => el('option', { value: v }, v)));
    select.value = current;
  }
}

// ---- filters ----

function filters() {
  return {
    provider: $('f-provider').value,
    type: $('f-type').value,
    verdict: $('f-verdict').value,
    session: $('f-session').value.trim(),
    text: $('f-text').value.trim().toLowerCase(),
  };
}

function matches(item, f) {
  const r = item.record;
  if (f.provider && r.provider !== f.provider) return false;
  if (f.type && r.type !== f.type) return false;
  if (f.verdict && item.verdict !== f.verdict) return false;
  if (f.session && !(r.sessionId ?? '').startsWith(f.session)) return false;
  if (f.text) {
    item.lower ??= item.text.toLowerCase();
    if (!item.lower.includes(f.text)) return false;
  }
  return true;
}

function applyFilters() {
  const f = filters();
  // Newest first, as ngrok's inspector shows them.
  state.filtered = state.items.filter((item) => matches(item, f)).reverse();
  const total = state.items.length;
  // "0 of 1 record": the noun agrees with the total.
  $('count').textContent = state.filtered.length === total ? count(total, 'record') : `${state.filtered.length} of ${count(total, 'record')}`;
  $('count').dataset.count = String(state.filtered.length);
  if (state.view === 'list') renderList(true);
  else renderTimeline();
}

// ---- list ----

function renderList(resized) {
  const list = $('list');
  const spacer = $('list-spacer');
  if (resized) spacer.style.height = `${state.filtered.length * ROW}px`;
  $('list-view').classList.toggle('dated', multiDay());
  const first = Math.max(0, Math.floor(list.scrollTop / ROW) - 5);
  const last = Math.min(state.filtered.length, first + Math.ceil(list.clientHeight / ROW) + 10);
  const rows = [];
  for (let i = first; i < last; i++) rows.push(rowFor(state.filtered[i], i));
  spacer.replaceChildren(...rows);
}

function rowFor(item, index) {
  const r = item.record;
  const row = el(
    'div',
    {
      class: `row${state.selected?.seq === item.seq ? ' selected' : ''}${item.failed ? ' failed' : ''}`,
      style: { top: `${index * ROW}px` },
      dataset: { seq: String(item.seq), testid: 'row' },
      onclick: () => select(item),
    },
    // The title always carries the date (the receivedAt the record holds, UTC); the text does when the records span days.
    el('span', { title: r.receivedAt }, multiDay() ? dateTime(item.time) : clock(item.time)),
    el('span', { class: `channel-${r.source}` }, r.source),
    el('span', {}, r.provider ?? ''),
    el('span', { title: r.type ?? '' }, r.type ?? '—'),
    el('span', { title: r.sessionId ?? '' }, r.sessionId ?? '—'),
    el('span', { class: `verdict-${item.verdict}` }, item.verdictText),
  );
  return row;
}

// ---- detail ----

function select(item) {
  state.selected = item;
  if (state.view === 'list') renderList(false);
  try {
    renderDetail(item);
  } catch (error) {
    // Whatever a record holds, the detail never keeps showing the previous one.
    $('detail').replaceChildren(
      el('h2', { 'data-testid': 'detail-type' }, item.record.type ?? '(no type)'),
      el('p', { class: 'hint' }, `this record cannot be shown: ${error.message}`),
    );
  }
}

function renderDetail(item) {
  const r = item.record;
  const facts = [
    ['received', `${dateTime(item.time)} (${r.receivedAt})`],
    ['from', item.origin],
    ['channel', r.source],
    ['provider', r.provider],
    ['session', r.sessionId],
    ['id', r.id],
    ['status', r.status === null ? null : `${r.status}${r.terminal ? ' (terminal)' : ''}`],
    ['verdict', item.verdictText],
    ['scheme', r.scheme],
    ['reason', r.reason],
    ['redacted', r.redacted?.length ? r.redacted.join(', ') : null],
    ['conflict', r.conflict ? 'same id, different body than the first delivery' : null],
    [r.source === 'sse' ? 'stream' : 'sent to', r.url],
  ].filter(([, v]) => v !== null && v !== undefined && v !== '');
  const dl = el('dl', {}, ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { dataset: { field: k } }, String(v))]));
  const parts = [el('h2', { 'data-testid': 'detail-type' }, r.type ?? '(no type)'), dl, actions(item)];
  if (r.request) {
    parts.push(el('h3', {}, `${r.request.method} ${r.request.path}`));
    parts.push(el('table', { class: 'headers' }, ...Object.entries(r.request.headers).map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, v)))));
  }
  const raw = rawBody(r);
  const pretty = prettyBody(raw);
  const body = el('pre', { 'data-testid': 'body' }, pretty);
  const toggle = el(
    'button',
    {
      type: 'button',
      'data-testid': 'body-toggle',
      onclick: () => {
        const showRaw = toggle.textContent === 'raw';
        body.textContent = showRaw ? raw : pretty;
        toggle.textContent = showRaw ? 'pretty' : 'raw';
      },
    },
    'raw',
  );
  parts.push(el('h3', {}, 'Body ', toggle), body);
  $('detail').replaceChildren(...parts);
}

/** The body as it was received: a webhook's raw bytes (the record's `data` is null when it was rejected), an SSE event's data. */
function rawBody(r) {
  if (!r.request) return typeof r.data === 'string' ? r.data : JSON.stringify(r.data);
  if (r.request.body !== undefined) return r.request.body;
  if (r.request.bodyBase64 !== undefined) return `(binary, base64) ${r.request.bodyBase64}`;
  return r.request.bodyOmitted ? "(not kept: past the run's budget for rejected bodies)" : '';
}

/** Indented when the body parses as JSON; otherwise exactly as received (a form, a cut-off body, text). */
function prettyBody(raw) {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

function actions(item) {
  const result = el('span', { class: 'result', 'data-testid': 'replay-result' });
  const canReplay = item.record.source !== 'session';
  const bar = el(
    'div',
    { class: 'actions' },
    canReplay ? el('button', { type: 'button', 'data-testid': 'replay', onclick: () => replay({ seqs: [item.seq] }, result) }, 'Replay') : null,
    item.record.sessionId
      ? el('button', { type: 'button', 'data-testid': 'replay-session', onclick: () => replay({ session: item.record.sessionId }, result) }, 'Replay session')
      : null,
    el('button', { type: 'button', 'data-testid': 'copy-curl', onclick: () => copyCurl(item, result) }, 'Copy as curl'),
    result,
  );
  return bar;
}

async function replay(selection, result) {
  result.className = 'result';
  result.textContent = 'sending…';
  try {
    const response = await fetch('/api/replay', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-inspector-token': token },
      body: JSON.stringify({ ...selection, to: $('replay-to').value.trim() }),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
    const ok = answer.results.filter((r) => r.ok).length;
    const statuses = answer.results.map((r) => r.status ?? r.error).join(', ');
    result.className = `result ${ok === answer.results.length ? 'ok' : 'bad'}`;
    result.textContent = `${ok}/${answer.results.length} delivered to ${answer.to} (${statuses})${answer.results[0]?.resigned ? `, re-signed ${answer.results[0].resigned}` : ''}`;
  } catch (error) {
    result.className = 'result bad';
    result.textContent = `replay failed: ${error.message}`;
  }
}

// Shell-quoted: inside '…' the shell expands nothing. What curl itself reads is handled by curlFor.
const quote = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;

/** A header name as HTTP allows it (RFC 9110 token): curl reads `-H @file` as a file of headers. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** What a copied curl command sends to when nothing says where: the user must fill it in. */
const NO_TARGET = '<your-endpoint>';

/**
 * Where a copied curl command sends: the "Replay to" field; else where the record was delivered
 * (the URL the sandbox sent it to; the path it came in on, at the address `listen` runs on);
 * else an explicit placeholder. Never a guessed address.
 */
function curlTarget(r) {
  const typed = $('replay-to').value.trim();
  // Never an argument curl would take for an option (a record's "URL" of -o/some/file).
  if (typed && !typed.startsWith('-')) return typed;
  if (r.source === 'webhook' && typeof r.url === 'string' && /^https?:\/\//i.test(r.url)) return r.url;
  // Joined as text, not resolved as a URL: a path such as //evil.example/x stays a path on the receiver.
  if (r.request && state.config.receiver) return `${state.config.receiver}${r.request.path.startsWith('/') ? r.request.path : '/'}`;
  return NO_TARGET;
}

function curlFor(item) {
  const r = item.record;
  const to = curlTarget(r);
  const headers = r.request
    ? Object.entries(r.request.headers).filter(([k]) => HEADER_NAME.test(k) && !['host', 'content-length', 'connection', 'transfer-encoding'].includes(k))
    : [['content-type', 'application/json']];
  const body = r.request ? (r.request.body ?? '') : JSON.stringify(r.data);
  // --data-raw, not --data-binary: a body starting with @ is sent as it is, never read as @file.
  return ['curl -X POST', quote(to), ...headers.map(([k, v]) => `-H ${quote(`${k}: ${v}`)}`), `--data-raw ${quote(body)}`].join(' ');
}

async function copyCurl(item, result) {
  const text = curlFor(item);
  document.body.dataset.curl = text;
  const placeholder = text.startsWith(`curl -X POST '${NO_TARGET}'`);
  try {
    await navigator.clipboard.writeText(text);
    result.textContent = placeholder ? `curl command copied: replace ${NO_TARGET} with your URL (or fill in "Replay to")` : 'curl command copied';
  } catch {
    result.textContent = text;
  }
}

// ---- timeline ----

function step(type) {
  if (/offer_created|offer_sent|issuance\.offered/.test(type)) return 'offer created';
  if (/offer_(retrieved|resolved|received)|resolved_credential_offer/.test(type)) return 'offer retrieved';
  if (/token/.test(type)) return 'token';
  if (/status/.test(type)) return 'status';
  if (/credential_request|_issued?$|generated_mdoc|credential_issued|creation|issuance\.(completed|failed)|credential_(acked|accepted)/.test(type)) return 'credential';
  return type;
}

function isIssuerLevel(record) {
  const session = record.data?.session;
  return session !== null && typeof session === 'object' && Object.keys(session).length === 0;
}

function renderTimeline() {
  const sessions = new Map();
  for (const item of state.filtered) {
    const id = item.record.sessionId;
    // Issuer-level events (nonce requests, uncorrelated failures) carry a request id and an empty session.
    if (!id || isIssuerLevel(item.record)) continue;
    let list = sessions.get(id);
    if (!list) sessions.set(id, (list = []));
    list.push(item);
  }
  const rows = [];
  for (const [id, items] of [...sessions].slice(0, MAX_SESSIONS))
    rows.push(
      sessionRow(
        id,
        items.slice().sort((a, b) => a.time - b.time || a.seq - b.seq),
      ),
    );
  const note =
    sessions.size > MAX_SESSIONS
      ? el('p', { class: 'hint' }, `showing the ${MAX_SESSIONS} most recent of ${count(sessions.size, 'session')}; filter by session to see others`)
      : null;
  $('timeline').replaceChildren(...(rows.length ? rows : [el('p', { class: 'hint' }, 'No session ids in the records shown.')]), ...(note ? [note] : []));
}

function sessionRow(id, items) {
  const t0 = items[0].time;
  const span = Math.max(1, items.at(-1).time - t0);
  const last = items.findLast((i) => i.record.status);
  const status = last?.record.status ?? 'ACTIVE';
  const badge = el('span', { class: `badge ${status === 'SUCCESSFUL' || status === 'COMPLETED' ? 'ok' : status === 'ACTIVE' ? '' : 'bad'}` }, status);
  const track = el('div', { class: 'track' });
  const steps = el('ol', { class: 'steps', 'data-testid': 'steps' });
  let previous = t0;
  for (const item of items) {
    const left = `${((item.time - t0) / span) * 100}%`;
    const gap = item.time - previous;
    if (gap > GAP_MS) track.append(el('div', { class: 'gapmark', style: { left: `${((previous - t0) / span) * 100}%`, width: `${(gap / span) * 100}%` } }));
    track.append(
      el('div', {
        class: `marker ${item.record.source}${item.failed ? ' failed' : ''}`,
        style: { left },
        title: `${item.record.type} (${item.record.source}) at ${dateTime(item.time)}`,
        onclick: () => select(item),
      }),
    );
    steps.append(
      el(
        'li',
        { class: item.failed ? 'failed' : '', dataset: { step: step(item.record.type ?? ''), channel: item.record.source } },
        el('span', { class: 'at' }, `+${((item.time - t0) / 1000).toFixed(3)} s `),
        gap > GAP_MS ? el('span', { class: 'gap' }, `after a ${(gap / 1000).toFixed(1)} s gap`) : null,
        `${step(item.record.type ?? '')}: ${item.record.type ?? '—'} (${item.record.source}${item.record.source === 'webhook' ? `, ${item.verdictText}` : ''})`,
      ),
    );
    previous = item.time;
  }
  return el(
    'div',
    { class: 'session', dataset: { session: id, testid: 'session' } },
    el(
      'div',
      {
        class: 'session-head',
        onclick: () => {
          $('f-session').value = id;
          setView('list');
          applyFilters();
        },
      },
      el('code', {}, id),
      badge,
      el('span', { class: 'hint', title: `${dateTime(t0)} to ${dateTime(items.at(-1).time)}` }, `${count(items.length, 'event')} over ${(span / 1000).toFixed(2)} s`),
    ),
    track,
    steps,
  );
}

// ---- wiring ----

function setView(view) {
  state.view = view;
  $('list-view').hidden = view !== 'list';
  $('timeline-view').hidden = view !== 'timeline';
  for (const tab of document.querySelectorAll('.tab')) tab.classList.toggle('active', tab.dataset.view === view);
  if (view === 'list') renderList(true);
  else renderTimeline();
}

function start() {
  for (const tab of document.querySelectorAll('.tab')) tab.addEventListener('click', () => setView(tab.dataset.view));
  for (const id of ['f-provider', 'f-type', 'f-verdict']) $(id).addEventListener('change', applyFilters);
  for (const id of ['f-session', 'f-text']) $(id).addEventListener('input', applyFilters);
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('list').addEventListener('scroll', () => requestAnimationFrame(() => renderList(false)));
  window.addEventListener('resize', () => renderList(false));
  connect();
}

start();
