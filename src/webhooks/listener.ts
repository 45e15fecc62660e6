import { CaptureWriter } from '../capture/writer.js';
import { ExitCode } from '../errors.js';
import { conditionMet, describeCondition, type Condition } from '../issuer/condition.js';
import { formatDuration, safeTimeout } from '../shared/duration.js';
import { untilStopped } from '../shared/shutdown.js';
import { forwardDelivery, type ForwardResult } from './forward.js';
import { WebhookReceiver, type ReceiveResult, type ReceiverOptions } from './receiver.js';

/** What `listen` does: receive, and optionally wait for a condition. No flags here. */
export interface ListenPlan extends Omit<ReceiverOptions, 'capture' | 'onResult'> {
  savePath?: string;
  forwardTo?: string;
  until?: Condition;
  count?: number;
  timeoutMs?: number;
  /** Stop with exit 6 at the first delivery whose signature fails. */
  failOnInvalid?: boolean;
}

export interface ListenReporter {
  ready(info: { url: string; scheme: string; secrets: readonly string[]; savePath?: string }): void;
  delivery(result: ReceiveResult): void;
  forwarded(result: ForwardResult): void;
  timedOut(message: string): void;
  summary(info: { counted: number; records?: number; savePath?: string }): void;
}

/** Runs the receiver until the condition is met, the timeout passes, or a stop signal; returns the exit code. */
export async function runListener(plan: ListenPlan, reporter: ListenReporter): Promise<number> {
  const capture = plan.savePath ? await CaptureWriter.open(plan.savePath) : undefined;
  const awaiting = plan.until !== undefined || plan.count !== undefined;
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  let counted = 0;
  const forwards = new Set<Promise<void>>();
  const receiver = new WebhookReceiver({
    ...plan,
    capture,
    onResult(result) {
      reporter.delivery(result);
      if (result.acceptance === 'rejected' && result.status === 401 && plan.failOnInvalid) finish(ExitCode.INVALID_SIGNATURE);
      if (!result.counted) return;
      counted++;
      if (plan.forwardTo && result.delivery) {
        const p = forwardDelivery(plan.forwardTo, result)
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
  reporter.ready({ url: receiver.url, scheme: plan.scheme, secrets: plan.secrets, savePath: capture?.path });
  const timer =
    plan.timeoutMs === undefined
      ? undefined
      : safeTimeout(() => {
          const what = plan.until ? describeCondition(plan.until) : plan.count !== undefined ? `${plan.count} deliveries (got ${counted})` : 'the end';
          reporter.timedOut(`no ${what} within ${formatDuration(plan.timeoutMs!)} (--timeout)`);
          finish(ExitCode.TIMEOUT);
        }, plan.timeoutMs);
  const code = await untilStopped({ awaiting: () => awaiting, other: finished });
  clearTimeout(timer);
  // Stop accepting, let in-flight requests finish and be recorded, then close the capture.
  await receiver.close();
  await Promise.allSettled([...forwards]);
  await capture?.close();
  reporter.summary({ counted, records: capture?.count, savePath: capture?.path });
  return code;
}
