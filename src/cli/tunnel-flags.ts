import type { ResolvedSettings } from '../config/load.js';
import { UsageError } from '../errors.js';
import { isTunnelProvider, NGROK_TOKEN_PAGE, ngrokTokenProblem, relayRefusal, TUNNEL_PROVIDERS, type TunnelPlan } from '../tunnel/index.js';

/** `--tunnel <provider> [--tunnel-domain <domain>]`, shared by every command that takes a tunnel (listen, sandbox, check, offer create). */
interface TunnelFlags {
  tunnel?: string;
  tunnelDomain?: string;
}

/** A domain name such as `hooks.example.com` or `my-app.ngrok.app`. */
const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/**
 * The tunnel the flags ask for, with its auth token from the settings (NGROK_AUTHTOKEN, else the
 * context's ngrokAuthtoken), or undefined without `--tunnel`. A relay that breaks signatures
 * (smee.io), a missing or mangled token, a domain that is a URL: usage errors (exit 2).
 */
export function tunnelPlan(options: TunnelFlags, settings: ResolvedSettings): TunnelPlan | undefined {
  const { tunnel, tunnelDomain } = options;
  if (tunnel === undefined) {
    if (tunnelDomain !== undefined) throw new UsageError('--tunnel-domain needs --tunnel ngrok');
    return undefined;
  }
  const refusal = relayRefusal(tunnel);
  if (refusal) {
    throw new UsageError(
      `--tunnel ${tunnel} is refused: ${refusal}. Use --tunnel ngrok: it forwards each request's bytes unchanged (NGROK_AUTHTOKEN from ${NGROK_TOKEN_PAGE}; a free account is enough)`,
    );
  }
  if (!isTunnelProvider(tunnel)) throw new UsageError(`unknown --tunnel "${tunnel}": use ${TUNNEL_PROVIDERS.join(', ')}`);
  const domain = tunnelDomain === undefined ? undefined : domainFlag(tunnelDomain);
  const authtoken = settings.ngrokAuthtoken;
  if (authtoken === undefined) {
    throw new UsageError(
      `--tunnel ngrok needs an ngrok auth token: set NGROK_AUTHTOKEN (or ngrokAuthtoken in a context of the configuration file); yours is at ${NGROK_TOKEN_PAGE} (a free account is enough)`,
    );
  }
  const problem = ngrokTokenProblem(authtoken);
  if (problem) throw new UsageError(`the ngrok auth token from ${tokenOrigin(settings)} ${problem}; yours is at ${NGROK_TOKEN_PAGE}`);
  return { provider: tunnel, authtoken, domain };
}

function domainFlag(text: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && URL.canParse(text)) {
    throw new UsageError(`invalid --tunnel-domain "${text}": give the domain alone, e.g. ${new URL(text).hostname}`);
  }
  if (!DOMAIN.test(text)) throw new UsageError(`invalid --tunnel-domain "${text}": a domain reserved for your ngrok account, e.g. my-app.ngrok.app`);
  return text.toLowerCase();
}

/** Where the token came from, to name in a message (never the token itself). */
function tokenOrigin(settings: ResolvedSettings): string {
  const source = settings.sources.ngrokAuthtoken;
  if (source === 'env') return 'NGROK_AUTHTOKEN';
  const file = settings.configFile ?? 'the configuration file';
  if (source === 'context') return `${file} contexts.${settings.context}.ngrokAuthtoken`;
  return `${file} ngrokAuthtoken`;
}
