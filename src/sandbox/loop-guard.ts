import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** How long a webhook host's name may take to resolve before it is taken for no loop (its delivery would fail anyway). */
const LOOKUP_MS = 2000;

/** Where the sandbox can be reached: its listening URL, and `--public-url` (a proxy or a LAN name in front of it). */
interface SandboxAddresses {
  listening: string;
  public?: string;
}

/**
 * Why a webhook URL would make the sandbox call itself (its wallet route: a loop), or undefined.
 * Addresses are compared, not spellings: `localhost`, `localhost.`, `[::ffff:127.0.0.1]`,
 * `0.0.0.0`, `127.1` and the machine's own interface addresses all reach the sandbox at its port,
 * and `--public-url`'s host at its port. Paths under /issuer2/ and `/` call nothing back.
 */
export async function webhookLoop(webhookUrl: string, sandbox: SandboxAddresses): Promise<string | undefined> {
  const target = new URL(webhookUrl);
  if (target.pathname.startsWith('/issuer2/') || target.pathname === '/') return undefined;
  const port = portOf(target);
  const listening = new URL(sandbox.listening);
  const publicUrl = sandbox.public ? new URL(sandbox.public) : undefined;
  const atListeningPort = port === portOf(listening);
  const atPublicPort = publicUrl !== undefined && port === portOf(publicUrl);
  // Only a URL at one of the sandbox's ports can reach it: no name is resolved for any other.
  if (!atListeningPort && !atPublicPort) return undefined;
  const name = hostnameOf(target);
  const addresses = await resolve(name);
  const loop =
    (atListeningPort && addresses.some(isThisMachine)) ||
    (atPublicPort && publicUrl !== undefined && (name === hostnameOf(publicUrl) || intersects(addresses, await resolve(hostnameOf(publicUrl)))));
  return loop ? `runtimeOverrides.notifications.webhook.url points at this sandbox (${target.pathname}): the webhook would call the issuer itself` : undefined;
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** The host name without IPv6 brackets or a trailing dot (`localhost.` is `localhost`), lower case (the URL parser did that). */
function hostnameOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

/** The addresses a host name stands for, normalised; none when it does not resolve in time. */
async function resolve(name: string): Promise<string[]> {
  if (isIP(name)) return [normalise(name)];
  // RFC 6761: localhost and its subdomains are loopback, whatever a resolver says.
  if (name === 'localhost' || name.endsWith('.localhost')) return ['127.0.0.1', '::1'];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<[]>((done) => {
    timer = setTimeout(() => done([]), LOOKUP_MS);
  });
  try {
    const found = lookup(name, { all: true }).then(
      (list) => list.map((a) => normalise(a.address)),
      () => [],
    );
    return await Promise.race([found, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, `::ffff:7f00:1`) as the IPv4 address it is. */
function normalise(address: string): string {
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(lower);
  if (!mapped) return lower;
  if (mapped[1]) return mapped[1];
  const high = Number.parseInt(mapped[2]!, 16);
  const low = Number.parseInt(mapped[3]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Loopback, the unspecified address (a connection to 0.0.0.0 reaches this machine), or an address of one of its interfaces. */
function isThisMachine(address: string): boolean {
  if (address.startsWith('127.') || address === '::1' || address === '0.0.0.0' || address === '::') return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => normalise(i.address) === address));
}

function intersects(a: readonly string[], b: readonly string[]): boolean {
  return a.some((x) => b.includes(x));
}
