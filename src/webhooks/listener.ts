import { CaptureWriter } from '../capture/writer.js';
import { ExitCode } from '../errors.js';
import { conditionMet, describeCondition, type Condition } from '../issuer/condition.js';
import { safeTimeout } from '../shared/duration.js';
import { localOrigin } from '../shared/http-server.js';
import { drainWithin, untilStopped } from '../shared/shutdown.js';
import { openUnlessStopped, TUNNEL_CLOSE_MS, type PublicUrl, type Tunnel, type TunnelHooks, type TunnelPlan, type TunnelState } from '../tunnel/index.js';
import type { ForwardResult } from './forward.js';
import type { SchemeChoice } from './index.js';
import { WebhookReceiver, type ReceiveResult, type ReceiverOptions } from './receiver.js';

export type { PublicUrl } from '../tunnel/index.js';

/** What `listen` does: receive, and optionally wait for a condition. No flags here. */
export interface ListenPlan extends Omit<ReceiverOptions, 'capture' | 'onResult' | 'admit' | 'onCaptureError'> {
  savePath?: string;
  /** Each capture write is on disk (fsync) before the 2xx. */
  fsync?: boolean;
  forwardTo?: string;
  until?: Condition;
  count?: number;
  timeoutMs?: number;
  /** Stop with exit 6 at the first delivery whose signature fails. */
  failOnInvalid?: boolean;
  /** A public URL for the receiver (`--tunnel`): opened once it listens, closed after it drained. */
  tunnel?: TunnelPlan;
}

export interface ListenReporter {
  /** `tunnel` when the plan asked for one: the Ready line's public URL. */
  ready(info: { url: string; scheme: SchemeChoice; secrets: readonly string[]; savePath?: string; tunnel?: PublicUrl }): void;
  /** The tunnel's connection to its provider was lost or is back. */
  tunnelStatus?(state: TunnelState, tunnel: PublicUrl): void;
  delivery(result: ReceiveResult): void;
  forwarded(result: ForwardResult): void;
  /**
   * The timeout passed first: after `limitMs`, with `counted` deliveries; `unmet` is the condition
   * that was not met in the listener's words ("no 3 deliveries (got 1)"), absent when none was set.
   */
  timedOut(info: { limitMs: number; counted: number; unmet?: string }): void;
  /** A capture write failed; requests are answered 503 until writes succeed again. */
  captureFailed(error: Error): void;
  summary(info: { counted: number; records?: number; savePath?: string; failedWrites?: number }): void;
}

/** Runs the receiver until the condition is met, the timeout passes, or a stop signal; returns the exit code. */
export async function runListener(plan: ListenPlan, reporter: ListenReporter): Promise<number> {
  const capture = plan.savePath ? await CaptureWriter.open(plan.savePath, { fsync: plan.fsync }) : undefined;
  const awaiting = plan.until !== undefined || plan.count !== undefined;
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  let counted = 0;
  const forwards = new Set<Promise<void>>();
  const forwarder = new ForwardQueue();
  const receiver = new WebhookReceiver({
    ...plan,
    capture,
    // Forwarding to a slow app queues; a full queue answers 503 before anything is recorded.
    admit: () => !plan.forwardTo || forwarder.hasRoom(),
    onCaptureError: (error) => reporter.captureFailed(error),
    onResult(result) {
      reporter.delivery(result);
      if (result.acceptance === 'rejected' && result.status === 401 && plan.failOnInvalid) finish(ExitCode.INVALID_SIGNATURE);
      if (!result.counted) return;
      counted++;
      if (plan.forwardTo && result.delivery) {
        const target = plan.forwardTo;
        const p = forwarder
          // Loaded at the first forward: its HTTP client (undici) costs 0.2 s of CPU at every start-up otherwise.
          .run(async () => (await import('./forward.js')).forwardDelivery(target, result))
          .then((r) => reporter.forwarded(r))
          .finally(() => forwards.delete(p));
        forwards.add(p);
      }
      const { type, status } = result.record;
      if (plan.until && conditionMet(plan.until, { type: type ?? '', status: status ?? undefined })) finish(ExitCode.OK);
      else if (!plan.until && plan.count !== undefined && counted >= plan.count) finish(ExitCode.OK);
    },
  });
  try {
    await receiver.start();
  } catch (error) {
    await capture?.close();
    throw error;
  }
  // Signals are handled from here on: a Ctrl-C while the tunnel connects stops at once, cleanly.
  const stopped = untilStopped({ awaiting: () => awaiting, other: finished });
  let tunnel: Tunnel | undefined;
  let publicUrl: PublicUrl | undefined;
  if (plan.tunnel) {
    const path = new URL(receiver.url).pathname;
    const hooks: TunnelHooks = { status: (state, t) => reporter.tunnelStatus?.(state, { provider: t.provider, url: `${t.url}${path}` }) };
    try {
      tunnel = await openUnlessStopped(plan.tunnel, { origin: localOrigin(receiver.url), label: 'issuer-events listen' }, hooks, stopped);
    } catch (error) {
      // Releases the signal handlers before the error goes up.
      finish(ExitCode.FAILURE);
      throw error;
    } finally {
      if (!tunnel) {
        await receiver.close();
        await capture?.close();
      }
    }
    // Stopped while connecting: nothing was announced, nothing to drain.
    if (!tunnel) return stopped;
    publicUrl = { provider: tunnel.provider, url: `${tunnel.url}${path}` };
  }
  reporter.ready({ url: receiver.url, scheme: plan.scheme, secrets: plan.secrets, savePath: capture?.path, tunnel: publicUrl });
  const timer =
    plan.timeoutMs === undefined
      ? undefined
      : safeTimeout(() => {
          const unmet = plan.until ? `no ${describeCondition(plan.until)}` : plan.count !== undefined ? `no ${plan.count} deliveries (got ${counted})` : undefined;
          reporter.timedOut({ limitMs: plan.timeoutMs!, counted, unmet });
          finish(ExitCode.TIMEOUT);
        }, plan.timeoutMs);
  const code = await stopped;
  clearTimeout(timer);
  // Stop accepting, let in-flight requests finish and be recorded (their answers still go back
  // through the tunnel), close the tunnel, then the capture.
  await receiver.close();
  if (tunnel) await drainWithin(tunnel.close(), TUNNEL_CLOSE_MS);
  await Promise.allSettled([...forwards]);
  await capture?.close();
  reporter.summary({ counted, records: capture?.count, savePath: capture?.path, failedWrites: capture?.failures });
  // A capture that lost writes is a failure even when the condition was met.
  return capture?.failures && code === ExitCode.OK ? ExitCode.FAILURE : code;
}

/** Forwards in flight at most, and waiting at most: `--forward-to` a slow app cannot open thousands of sockets. */
const FORWARDS_IN_FLIGHT = 32;
const FORWARDS_WAITING = 1000;

class ForwardQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  hasRoom(): boolean {
    return this.waiting.length < FORWARDS_WAITING;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= FORWARDS_IN_FLIGHT) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
