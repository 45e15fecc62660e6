import type { CommandContext } from '../cli/command-context.js';
import { choiceFlag, EVENT_NAME_GENERATIONS, faultsFlag, optionalDuration, optionalUrl, OUTCOMES, portFlag, signingSchemeFlag, signingSecretFlag, uiReplay } from '../cli/flags.js';
import { startInspector } from '../inspector/run.js';
import { RecordStore } from '../inspector/store.js';
import { renderInspectorUrl } from '../output/renderers/inspector.js';
import { ConfigError, ExitCode, UsageError } from '../errors.js';
import { renderSandboxReady } from '../output/renderers/sandbox.js';
import { escapeLine } from '../shared/escape.js';
import { maskSecrets } from '../shared/redact.js';
import { loadProfiles } from '../sandbox/profiles.js';
import { SandboxIssuer } from '../sandbox/server.js';
import type { WebhookSigning } from '../sandbox/webhook-delivery.js';
import { drainWithin, untilStopped } from '../shared/shutdown.js';
import { localOrigin } from '../shared/http-server.js';
import type { declareSandbox, OptionsOf } from '../cli/program.js';
import { tunnelPlan } from '../cli/tunnel-flags.js';
import { renderTunnelRecord, renderTunnelStatus } from '../output/renderers/tunnel.js';
import { openUnlessStopped, TUNNEL_CLOSE_MS, type Tunnel, type TunnelHooks } from '../tunnel/index.js';

type SandboxCliOptions = OptionsOf<typeof declareSandbox>;

/** `sandbox`: flags → sandbox options → SandboxIssuer until stopped. */
export async function run(ctx: CommandContext<SandboxCliOptions>): Promise<number> {
  const { options, output } = ctx;
  const loaded = await ctx.config();
  let profiles: ReturnType<typeof loadProfiles>;
  try {
    profiles = loadProfiles(loaded.config.profiles);
  } catch (error) {
    throw new ConfigError(`invalid config file ${loaded.file}: ${(error as Error).message}`);
  }
  const signing = webhookSigning(options.webhookScheme, options.webhookSecret);
  // --ui: every event the sandbox puts on a stream or sends as a webhook is shown in the inspector.
  const store = options.ui ? new RecordStore() : undefined;
  const sandbox = new SandboxIssuer({
    host: options.host,
    port: portFlag(options.port),
    publicUrl: optionalUrl(options.publicUrl, '--public-url'),
    profiles,
    token: options.token,
    eventNames: choiceFlag(options.eventNames, '--event-names', EVENT_NAME_GENERATIONS),
    webhookSigning: signing,
    autoClaimMs: optionalDuration(options.autoClaim, '--auto-claim'),
    autoClaimOutcome: choiceFlag(options.autoClaimOutcome, '--auto-claim-outcome', OUTCOMES),
    // -v logs request bodies: tokens and codes in them are masked as every -v output masks them.
    log: (line) => output.info(output.errColor.dim(escapeLine(maskSecrets(line)))),
    verbose: options.verbose,
    onRecord: store ? (record) => store.add(record, 'sandbox') : undefined,
    legacyWellKnown: options.legacyWellKnown,
    notificationEndpoint: options.notificationEndpoint,
    faults: faultsFlag(options.fault),
  });
  // Flags are checked before anything binds.
  const tunnelAsked = options.tunnel === undefined && options.tunnelDomain === undefined ? undefined : tunnelPlan(options, await ctx.settings());
  if (tunnelAsked && options.publicUrl) throw new UsageError('--tunnel sets the public URL itself: give --tunnel or --public-url, not both');
  const uiPlan = store && { host: '127.0.0.1', port: portFlag(options.uiPort, '--ui-port'), replay: uiReplay(options, signing ? [signing.secret] : []), title: 'sandbox' };
  await sandbox.start();
  // Ready means ready: every listener is bound before anything is announced, so a script that
  // waits for the Ready line never sees it from a command about to fail on a taken --ui-port.
  const ui = uiPlan
    ? await startInspector(uiPlan, store).catch(async (error: unknown) => {
        await sandbox.close();
        throw error;
      })
    : undefined;
  // Signals are handled from before the Ready line (and while a tunnel connects): a script that stops us on seeing it gets a clean exit.
  let release!: (code: number) => void;
  const stopped = untilStopped({ other: new Promise<number>((resolve) => (release = resolve)) });
  let tunnel: Tunnel | undefined;
  if (tunnelAsked) {
    const hooks: TunnelHooks = {
      status: (state, t) => {
        ui?.server.setTunnel({ ...t, connected: state === 'connected' });
        renderTunnelStatus(output, state, t, 'the sandbox');
      },
    };
    try {
      tunnel = await openUnlessStopped(tunnelAsked, { origin: localOrigin(sandbox.url), label: 'issuer-events sandbox' }, hooks, stopped);
    } catch (error) {
      release(ExitCode.FAILURE);
      throw error;
    } finally {
      if (!tunnel) await Promise.all([ui?.server.close(), sandbox.close()]);
    }
    if (!tunnel) return stopped;
    // Offers and metadata carry the public URL from now on, as with --public-url: a phone wallet claims through it.
    sandbox.setPublicUrl(tunnel.url);
    ui?.server.setTunnel({ provider: tunnel.provider, url: tunnel.url, connected: true });
    renderTunnelRecord(output, tunnel, sandbox.url);
  }
  if (ui) renderInspectorUrl(output, ui.url);
  renderSandboxReady(output, sandbox, options, tunnel);
  const code = await stopped;
  await ui?.server.close();
  await sandbox.close();
  if (tunnel) await drainWithin(tunnel.close(), TUNNEL_CLOSE_MS);
  return code;
}

function webhookSigning(scheme: string | undefined, secret: string | undefined): WebhookSigning | undefined {
  if (scheme === undefined && secret === undefined) return undefined;
  if (scheme === undefined) throw new UsageError('--webhook-secret needs --webhook-scheme (standard, svix, igrant, stripe, github, hmac-sha256)');
  const name = signingSchemeFlag(scheme, '--webhook-scheme');
  if (!secret) throw new UsageError(`--webhook-scheme ${name} needs --webhook-secret`);
  return { scheme: name, secret: signingSecretFlag(name, secret, '--webhook-secret') };
}
