import { listen, readBody } from './http.mjs';

import { validateOfferRequest } from '../../dist/sandbox/validation.js';

function waltError(res, status, id, message) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ exception: true, id, status: status === 400 ? 'Bad Request' : 'Error', code: String(status), message }));
}

/**
 * A local stand-in for walt.id issuer2 and Enterprise offer creation. `respond` can force
 * a status/body for the next requests. `requests` records everything received.
 */
/** @param {{ token?: string, port?: number }} [options] `port`: where to listen (default: a free one) */
export async function startIssuerDouble({ token = 'ent-token', port = 0 } = {}) {
  const requests = [];
  const state = { forced: null, streams: new Map() };
  const srv = await listen(async (req, res) => {
    const raw = (await readBody(req)).toString('utf8');
    const entry = { method: req.method, url: req.url, headers: req.headers, raw, body: raw ? safeJson(raw) : undefined };
    requests.push(entry);
    if (state.forced) {
      res.writeHead(state.forced.status, { 'content-type': state.forced.contentType ?? 'application/json' });
      res.end(state.forced.body);
      return;
    }
    const events = /^\/issuer2\/sessions\/([^/]+)\/events$/.exec(req.url);
    if (req.method === 'GET' && events && state.streams.has(decodeURIComponent(events[1]))) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {}\n\n');
      for (const e of state.streams.get(decodeURIComponent(events[1]))) res.write(`data: ${JSON.stringify(e)}\n\n`);
      return; // like walt.id, never closed by the server
    }
    const ent = /^\/v2\/([^/.]+\.[^/.]+\.[^/.]+)\.([^/]+)\/issuer-service-api\/credentials\/offers$/.exec(req.url);
    if (req.method === 'POST' && (req.url === '/issuer2/credential-offers' || ent)) {
      if (ent && req.headers.authorization !== `Bearer ${token}`) return waltError(res, 401, 'UnauthorizedException', 'Invalid token');
      if (entry.body === undefined || typeof entry.body !== 'object') return waltError(res, 400, 'BadRequestException', 'Body is not JSON');
      // The sandbox's validator: as strict as walt.id (unknown fields → 400), tested on its own.
      const checked = /** @type {any} */ (validateOfferRequest(entry.body, ent ? decodeURIComponent(ent[2]) : undefined));
      if (checked.body) return waltError(res, 400, 'BadRequestException', checked.body.message);
      const offerId = entry.body.sessionId ?? `sess-${requests.length}`;
      const expires = entry.body.expiresInSeconds ?? 300;
      const response = {
        offerId,
        profileId: ent ? decodeURIComponent(ent[2]) : entry.body.profileId,
        authMethod: entry.body.authMethod,
        expiresAt: expires === -1 ? 8_000_000_000_000 : Date.now() + expires * 1000,
        credentialOffer: `openid-credential-offer://?credential_offer_uri=http%3A%2F%2F127.0.0.1%2Foffers%2F${offerId}`,
      };
      if (entry.body.txCode) response.txCodeValue = entry.body.txCodeValue ?? '123456';
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify(response));
      return;
    }
    waltError(res, 404, 'NotFoundException', `No route ${req.method} ${req.url}`);
  }, port);
  return {
    ...srv,
    requests,
    /** Events the SSE endpoint of `sessionId` will send. */
    stream(sessionId, events) {
      state.streams.set(sessionId, events);
    },
    force(status, body, contentType) {
      state.forced = status === null ? null : { status, body, contentType };
    },
  };
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
