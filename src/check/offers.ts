import { spawn } from 'node:child_process';
import { CliError, ExitCode, HttpError, NetworkError, UsageError } from '../errors.js';
import { httpRequest } from '../http/client.js';
import { authHeaders, type IssuerConnection, oid4vciBase } from '../issuer/endpoints.js';
import { createOffer } from '../issuer/offers.js';
import { escapeLine } from '../shared/escape.js';
import { isPlainObject } from '../shared/json.js';
import { maskUserinfo } from '../shared/url.js';
import { offerReference } from '../wallet/offer-input.js';
import { configurationOf, type Discovery } from './discovery.js';
import { Flow, FlowError, type OfferHandle } from './flow.js';
import type { CheckHttp } from './http.js';

/** What a scenario asks of the offer source. */
interface OfferRequest {
  profile: string;
  /** The module the offer is for (the offer command sees it). */
  scenario: string;
  txCode: boolean;
  /** The receiver's URL, for the issuer's per-offer webhook. */
  webhookUrl?: string;
}

/** An offer could not be made: `skip` when the issuer cannot do what the scenario needs (a tx code). */
export class OfferError extends Error {
  constructor(
    message: string,
    readonly skip = false,
  ) {
    super(message);
  }
}

/** Where each scenario's fresh offer comes from. */
export interface OfferSource {
  /** Issuer and how offers are made, for the report (never a token). */
  readonly subject: string;
  /** Offers carry an issuance session whose events can be watched (walt.id's management API). */
  readonly hasEvents: boolean;
  /** The profiles to check: those asked for (validated: an unknown one is exit 5), or every one the issuer has. */
  profiles(requested: readonly string[] | undefined): Promise<string[]>;
  /** The Credential Issuer Identifier, for the issuer-wide checks. */
  issuerId(): Promise<string>;
  /** The credential configuration a profile means to the wallet (the offer's own, when undefined). */
  configurationOf(profile: string): string | undefined;
  create(request: OfferRequest): Promise<OfferHandle>;
}

/** walt.id issuer2 and Enterprise: profiles and offers from the management API, one session per offer. */
export class ManagementOffers implements OfferSource {
  readonly hasEvents = true;
  readonly subject: string;

  constructor(private readonly connection: IssuerConnection) {
    const url = maskUserinfo(connection.baseUrl);
    this.subject = connection.target ? `${connection.target} at ${url}` : url;
  }

  async profiles(requested: readonly string[] | undefined): Promise<string[]> {
    if (this.connection.target) {
      // Enterprise documents no profile listing: the profiles are named, and an unknown one is found at its first offer.
      if (!requested?.length) throw new UsageError('walt.id Enterprise lists no profiles here', { kind: 'profiles-unlisted' });
      return [...requested];
    }
    const url = `${this.connection.baseUrl.replace(/\/+$/, '')}/issuer2/profiles`;
    let response: Awaited<ReturnType<typeof httpRequest>>;
    try {
      response = await httpRequest(url, {
        headers: { accept: 'application/json', ...authHeaders(this.connection) },
        dispatcher: this.connection.dispatcher,
        trace: this.connection.trace,
      });
    } catch (error) {
      if (error instanceof NetworkError) throw new CliError(`the issuer could not be reached: ${error.message}`, 'E_UNREACHABLE', ExitCode.FAILURE);
      throw error;
    }
    if (response.status === 401 || response.status === 403) throw new HttpError(`the management API refused the credentials: ${response.status} from ${url}`, response.status);
    const listed = response.status === 200 ? profileIds(response.text) : undefined;
    if (!listed) {
      if (requested?.length) return [...requested];
      throw new UsageError(`the issuer did not list its profiles (GET ${url} answered ${response.status})`, { kind: 'profiles-unlisted' });
    }
    if (!requested?.length) return listed;
    const unknown = requested.filter((p) => !listed.includes(p));
    if (unknown.length) throw new CliError(`unknown profile ${unknown.join(', ')}: the issuer has ${listed.join(', ') || 'none'}`, 'E_UNKNOWN_PROFILE', ExitCode.NOT_FOUND);
    return [...requested];
  }

  async issuerId(): Promise<string> {
    return oid4vciBase(this.connection);
  }

  configurationOf(): undefined {
    return undefined;
  }

  async create(request: OfferRequest): Promise<OfferHandle> {
    try {
      const offer = await createOffer(this.connection, {
        profileId: request.profile,
        authMethod: 'PRE_AUTHORIZED',
        txCode: request.txCode || undefined,
        webhookUrl: request.webhookUrl,
        expiresInSeconds: 600,
      });
      return { uri: offer.credentialOffer, txCodeValue: typeof offer.txCodeValue === 'string' ? offer.txCodeValue : undefined, sessionId: offer.offerId };
    } catch (error) {
      if (error instanceof HttpError && (error.status === 401 || error.status === 403))
        throw new HttpError(`the management API refused the credentials: ${error.message}`, error.status);
      if (error instanceof HttpError && error.status === 404) throw new CliError(`unknown profile ${request.profile}: ${error.message}`, 'E_UNKNOWN_PROFILE', ExitCode.NOT_FOUND);
      if (error instanceof HttpError && request.txCode && error.status === 400) throw new OfferError(`the issuer refused an offer with a tx_code: ${error.message}`, true);
      if (error instanceof CliError) throw new OfferError(`the offer could not be created: ${error.message}`);
      throw error;
    }
  }
}

/** `GET /issuer2/profiles`: an array of profiles (`profileId` or `id`), or an object keyed by id. */
function profileIds(text: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (Array.isArray(parsed)) {
    return parsed.map((p) => (isPlainObject(p) ? (p.profileId ?? p.id) : typeof p === 'string' ? p : undefined)).filter((id): id is string => typeof id === 'string');
  }
  return isPlainObject(parsed) ? Object.keys(parsed) : undefined;
}

/** Bound on one run of the offer command. */
const COMMAND_TIMEOUT_MS = 30_000;

/**
 * Any OID4VCI issuer: `--offer-command` is run through the shell once per scenario (and once
 * first, to find the issuer and its configurations), and prints one offer: an
 * `openid-credential-offer://` URI, an offer URL, the JSON `offer create --json` prints, or a
 * credential offer object. It sees what the scenario needs in its environment:
 * ISSUER_EVENTS_CHECK_PROFILE, ISSUER_EVENTS_CHECK_SCENARIO, ISSUER_EVENTS_CHECK_TX_CODE (1 when
 * the offer must ask for a tx code) and ISSUER_EVENTS_CHECK_WEBHOOK_URL. The profiles are the
 * credential configuration ids.
 */
export class CommandOffers implements OfferSource {
  readonly hasEvents = false;
  private discovered?: Promise<{ issuerId: string; configurationIds: string[]; discovery: Discovery }>;

  constructor(
    private readonly command: string,
    private readonly http: CheckHttp,
    private readonly discoverIssuer: (issuerId: string) => Promise<Discovery>,
  ) {}

  get subject(): string {
    return `offers from \`${this.command.length > 60 ? `${this.command.slice(0, 60)}…` : this.command}\``;
  }

  private discover(): Promise<{ issuerId: string; configurationIds: string[]; discovery: Discovery }> {
    this.discovered ??= (async () => {
      const handle = await this.create({ profile: '', scenario: 'discovery', txCode: false });
      const flow = new Flow(this.http, this.discoverIssuer, handle);
      try {
        const offer = await flow.resolve();
        return { issuerId: offer.credentialIssuer, configurationIds: offer.configurationIds, discovery: flow.discovery! };
      } catch (error) {
        if (error instanceof FlowError) throw new CliError(`the offer command's offer could not be used: ${error.message}`, 'E_OFFER_COMMAND', ExitCode.FAILURE);
        throw error;
      }
    })();
    return this.discovered;
  }

  async profiles(requested: readonly string[] | undefined): Promise<string[]> {
    const { configurationIds, discovery } = await this.discover();
    if (!requested?.length) return configurationIds;
    const unknown = requested.filter((id) => !configurationOf(discovery, id));
    if (unknown.length) throw new CliError(`unknown credential configuration ${unknown.join(', ')}: the issuer's metadata has no such id`, 'E_UNKNOWN_PROFILE', ExitCode.NOT_FOUND);
    return [...requested];
  }

  async issuerId(): Promise<string> {
    return (await this.discover()).issuerId;
  }

  configurationOf(profile: string): string {
    return profile;
  }

  async create(request: OfferRequest): Promise<OfferHandle> {
    const env = {
      ...process.env,
      ISSUER_EVENTS_CHECK_PROFILE: request.profile,
      ISSUER_EVENTS_CHECK_SCENARIO: request.scenario,
      ISSUER_EVENTS_CHECK_TX_CODE: request.txCode ? '1' : '0',
      ...(request.webhookUrl ? { ISSUER_EVENTS_CHECK_WEBHOOK_URL: request.webhookUrl } : {}),
    };
    const { code, stdout, stderr } = await runShell(this.command, env);
    if (code !== 0) throw new OfferError(`the offer command exited ${code}${stderr.trim() ? `: ${escapeLine(stderr.trim().split('\n').at(-1)!.slice(0, 300))}` : ''}`);
    return parseOfferOutput(stdout);
  }
}

/** One offer from the command's stdout. */
function parseOfferOutput(stdout: string): OfferHandle {
  const text = stdout.trim();
  if (text === '') throw new OfferError('the offer command printed nothing');
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.split('\n').find((l) => l.trim().startsWith('{')) ?? text);
    } catch {
      throw new OfferError('the offer command printed JSON that does not parse');
    }
    if (!isPlainObject(parsed)) throw new OfferError('the offer command printed JSON that is not an object');
    if (typeof parsed.credential_issuer === 'string') return { uri: `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(parsed))}` };
    if (typeof parsed.credentialOffer !== 'string')
      throw new OfferError('the offer command printed JSON without credentialOffer (the output of offer create --json) or credential_issuer (an offer object)');
    return {
      uri: parsed.credentialOffer,
      txCodeValue: typeof parsed.txCodeValue === 'string' ? parsed.txCodeValue : undefined,
      sessionId: typeof parsed.offerId === 'string' ? parsed.offerId : undefined,
    };
  }
  const line = text.split('\n')[0]!.trim();
  if (!/^[a-z][a-z0-9+.-]*:/i.test(line)) throw new OfferError(`the offer command printed neither an offer URI nor JSON: ${escapeLine(line.slice(0, 80))}`);
  try {
    return { uri: offerReference(line, { baseUrl: 'http://localhost' }) };
  } catch (error) {
    throw new OfferError(`the offer command printed ${(error as Error).message}`);
  }
}

function runShell(command: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < 1_000_000) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 100_000) stderr += d;
    });
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${COMMAND_TIMEOUT_MS / 1000} s)`;
      child.kill('SIGKILL');
    }, COMMAND_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: error.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
