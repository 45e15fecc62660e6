import type { CommandContext } from '../cli/command-context.js';
import {
  conditionFlag,
  eventTypeWarnings,
  durationFlag,
  hmacFlags,
  integerFlag,
  listFlag,
  optionalDuration,
  optionalUrl,
  portFlag,
  schemeFlag,
  sizeFlag,
  uiReplay,
} from '../cli/flags.js';
import type { declareListen, OptionsOf } from '../cli/program.js';
import { tunnelPlan } from '../cli/tunnel-flags.js';
import { inspectingListener, startInspector } from '../inspector/run.js';
import { renderInspectorUrl } from '../output/renderers/inspector.js';
import { UsageError } from '../errors.js';
import { DeliveryRenderer } from '../output/renderers/deliveries.js';
import { runListener, type ListenPlan } from '../webhooks/listener.js';
import { secretProblem } from '../webhooks/index.js';

type ListenOptions = OptionsOf<typeof declareListen>;

/** `listen`: flags → listen plan → runListener → delivery renderer. */
export async function run(ctx: CommandContext<ListenOptions>): Promise<number> {
  const { options } = ctx;
  const scheme = schemeFlag(options.scheme);
  const settings = await ctx.settings({ webhookSecret: options.secret });
  const secrets = settings.webhookSecrets;
  if (scheme !== 'auto' && scheme !== 'none' && secrets.length === 0) {
    throw new UsageError(`--scheme ${scheme} needs --secret (or ISSUER_EVENTS_WEBHOOK_SECRET)`);
  }
  const plan: ListenPlan = {
    host: options.host,
    port: portFlag(options.port),
    path: options.path === undefined ? undefined : options.path.startsWith('/') ? options.path : `/${options.path}`,
    scheme,
    secrets,
    toleranceSec: Math.round(durationFlag(options.tolerance, '--tolerance') / 1000),
    allowUnsigned: Boolean(options.allowUnsigned),
    maxBody: sizeFlag(options.maxBody, '--max-body'),
    hmac: hmacFlags(options),
    savePath: options.save,
    forwardTo: optionalUrl(options.forwardTo, '--forward-to'),
    until: conditionFlag(options.until),
    count: options.count === undefined ? undefined : integerFlag(options.count, '--count', 1),
    timeoutMs: optionalDuration(options.timeout, '--timeout', { min: 1 }),
    failOnInvalid: options.failOnInvalid,
    maxConnections: integerFlag(options.maxConnections, '--max-connections', 1, 1_000_000),
    fsync: options.fsync,
    redact: options.redact,
    tunnel: tunnelPlan(options, settings),
  };
  if (plan.until?.kind === 'type') for (const warning of eventTypeWarnings([plan.until.type], '--until')) ctx.output.warn(warning);
  if (secrets.length > 0 && secrets.every((s) => secretProblem(scheme, s))) {
    ctx.output.warn(`no --secret is usable for ${scheme} (whsec_ + base64): every signed delivery will be refused`);
  }
  const events = listFlag(options.events);
  if (events) for (const warning of eventTypeWarnings(events, '--events')) ctx.output.warn(warning);
  const renderer = new DeliveryRenderer(ctx.output, events ? new Set(events) : undefined);
  if (!options.ui) return runListener(plan, renderer);
  // --ui: the inspector serves beside the receiver (on loopback, also with --tunnel); its replay button sends to --forward-to, re-signed with these secrets.
  const ui = await startInspector({ host: '127.0.0.1', port: portFlag(options.uiPort, '--ui-port'), replay: uiReplay({ forwardTo: options.forwardTo }, secrets), title: 'listen' });
  const reporter = inspectingListener(renderer, ui.store, ui.server);
  try {
    // The inspector's URL is announced with the Ready line, once the receiver is bound too: a
    // receiver port in use must not leave a script holding the URL of a command that is exiting.
    return await runListener(plan, {
      ...reporter,
      ready: (info) => {
        renderInspectorUrl(ctx.output, ui.url);
        reporter.ready(info);
      },
    });
  } finally {
    await ui.server.close();
  }
}
