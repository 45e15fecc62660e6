import { EVENT_CATALOG, SESSION_STATUSES } from '../issuer/event-types.js';

/** `issuer-events help <topic>`: what no single command's --help can say. */
export const HELP_TOPICS: Record<string, () => string> = {
  'exit-codes': () =>
    table('Exit codes (docs/exit-codes.md)', [
      ['0', 'success: condition met, session SUCCESSFUL, every delivery 2xx, signature valid'],
      ['1', 'runtime failure: retries exhausted, server 5xx, deliveries failed, a capture write failed'],
      ['2', 'usage or configuration error: bad flag, bad config file, unreadable or invalid capture file'],
      ['3', 'the session ended unsuccessfully (UNSUCCESSFUL, REJECTED_BY_USER, EXPIRED, FAILED)'],
      ['4', 'authentication refused (401/403)'],
      ['5', 'not found: session, offer or profile unknown or expired'],
      ['6', 'signature verification failed (verify, listen --fail-on-invalid; claim: a credential not verified or not bound to the wallet key)'],
      ['124', '--timeout or --idle-timeout reached before the condition'],
      ['130', 'interrupted (SIGINT); captures are closed first'],
      ['143', 'terminated (SIGTERM) while waiting for a condition; servers exit 0'],
    ]),
  environment: () =>
    table('Environment variables (flags win over them; they win over the configuration file)', [
      ['ISSUER_EVENTS_BASE_URL', 'issuer base URL (--base-url)'],
      ['ISSUER_EVENTS_TARGET', 'walt.id Enterprise target org.tenant.issuerService (--target)'],
      ['ISSUER_EVENTS_TOKEN', 'Bearer token for walt.id Enterprise (--token)'],
      ['ISSUER_EVENTS_WEBHOOK_SECRET', 'webhook signing secret for listen, verify, replay, trigger (--secret)'],
      ['ISSUER_EVENTS_CONTEXT', 'named context of the configuration file (--context)'],
      ['NGROK_AUTHTOKEN', 'ngrok auth token for --tunnel ngrok: listen, sandbox, check, offer create (config: ngrokAuthtoken)'],
      ['NO_COLOR / FORCE_COLOR', 'colours off / on, whatever the terminal (--no-color wins)'],
      ['CI', 'CI=true: no spinners'],
      ['HTTPS_PROXY / HTTP_PROXY / NO_PROXY', 'outgoing requests through a proxy'],
      ['NODE_EXTRA_CA_CERTS', 'PEM file of extra trusted CAs (an issuer with a private CA)'],
    ]),
  events: () => {
    const lines = ['Event types by provider (docs/events.md); * = carries a terminal status', ''];
    let group: string | undefined;
    for (const entry of EVENT_CATALOG) {
      if (entry.group !== group) {
        if (group) lines.push('');
        group = entry.group;
        lines.push(`${group}:`);
      }
      lines.push(`  ${entry.status === 'ACTIVE' ? ' ' : '*'} ${entry.type.padEnd(46)} ${entry.description}`);
    }
    lines.push('', `Statuses for --until status:<STATUS>: ${SESSION_STATUSES.join(', ')}`);
    return `${lines.join('\n')}\n`;
  },
};

function table(title: string, rows: [string, string][]): string {
  const width = Math.max(...rows.map(([key]) => key.length));
  return `${title}\n\n${rows.map(([key, text]) => `  ${key.padEnd(width)}  ${text}`).join('\n')}\n`;
}
