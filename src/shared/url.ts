/** The one check for "an absolute http(s) URL", shared by flags, config files and the API. */
type UrlCheck = { ok: true; url: URL } | { ok: false; why: string };

export function checkHttpUrl(value: string): UrlCheck {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // `127.0.0.1:7005` and `localhost:7005` parse as nothing useful: suggest the scheme.
    const hint = /^[\w.-]+(:\d+)?(\/|$)/.test(value) ? `; did you mean http://${value}?` : '';
    return { ok: false, why: `not an absolute URL${hint}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    // `new URL('localhost:7005')` reads "localhost:" as a scheme.
    const hint = /^[\w.-]+:\d+/.test(value) ? `; did you mean http://${value}?` : '';
    return { ok: false, why: `expected http or https, not ${url.protocol.replace(/:$/, '')}${hint}` };
  }
  if (url.hostname === '') return { ok: false, why: 'no host' };
  return { ok: true, url };
}

/** True for an http(s) URL (as opposed to a session or offer id). */
export function isHttpUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}

/** The URL with any user:password replaced, for messages (never print credentials). */
export function maskUserinfo(value: string): string {
  return value.replace(/^([a-z][\w+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}

/** True for 127.0.0.0/8, ::1 and localhost names: where plain http is acceptable for a wallet. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
