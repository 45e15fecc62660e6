import { UsageError } from '../errors.js';
import { untilStopped } from '../shared/shutdown.js';
import type { ListenReporter } from '../webhooks/listener.js';
import { CaptureFollower } from './capture-follower.js';
import type { ReplaySettings } from './replay.js';
import { InspectorServer } from './server.js';
import { RecordStore } from './store.js';

export interface UiPlan {
  host: string;
  port: number;
  replay: ReplaySettings;
  /** What the page's title bar names: `listen`, `sandbox`, the capture files. */
  title: string;
}

interface RunningInspector {
  server: InspectorServer;
  store: RecordStore;
  url: string;
}

/** Starts the inspector beside another command's work (`listen --ui`, `sandbox --ui`) or alone (`inspect`). */
export async function startInspector(plan: UiPlan, store = new RecordStore()): Promise<RunningInspector> {
  const server = new InspectorServer({ host: plan.host, port: plan.port, store, replay: plan.replay, title: plan.title });
  const url = await server.start();
  return { server, store, url };
}

/**
 * `listen --ui`: every record listen makes also goes to the inspector; the inspector's server,
 * when given, learns the receiver's address (for the page's curl commands).
 */
export function inspectingListener(reporter: ListenReporter, store: RecordStore, server?: InspectorServer): ListenReporter {
  return {
    ready: (info) => {
      server?.setReceiver(info.url);
      if (info.tunnel) server?.setTunnel({ ...info.tunnel, connected: true });
      reporter.ready(info);
    },
    tunnelStatus: (state, tunnel) => {
      server?.setTunnel({ ...tunnel, connected: state === 'connected' });
      reporter.tunnelStatus?.(state, tunnel);
    },
    delivery: (result) => {
      store.add(result.record, 'listen');
      reporter.delivery(result);
    },
    forwarded: (result) => reporter.forwarded(result),
    timedOut: (info) => reporter.timedOut(info),
    captureFailed: (error) => reporter.captureFailed(error),
    summary: (info) => reporter.summary(info),
  };
}

export interface InspectPlan extends UiPlan {
  files: string[];
  /** Keep reading what is appended to the files (default on). */
  follow: boolean;
}

export interface InspectReporter {
  loaded(file: string, records: number, invalid: number): void;
  invalid(file: string, line: number, why: string): void;
  serving(url: string): void;
}

/** `inspect`: loads the capture files, serves the page, follows the files until stopped. */
export async function runInspect(plan: InspectPlan, reporter: InspectReporter): Promise<number> {
  const store = new RecordStore();
  const followers: CaptureFollower[] = [];
  for (const file of plan.files) {
    let records = 0;
    let invalid = 0;
    const follower = new CaptureFollower(file, {
      record: (record, line) => {
        records++;
        store.add(record, `${file}:${line}`);
      },
      invalid: (line, why) => {
        invalid++;
        reporter.invalid(file, line, why);
      },
    });
    try {
      await follower.readAll();
    } catch (error) {
      throw new UsageError(`cannot read capture file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    reporter.loaded(file, records, invalid);
    followers.push(follower);
  }
  const { server, url } = await startInspector(plan, store);
  // Signals are handled from before the URL is printed (a script may stop us as soon as it sees it).
  const stopped = untilStopped();
  reporter.serving(url);
  if (plan.follow) for (const follower of followers) follower.follow();
  const code = await stopped;
  for (const follower of followers) follower.stop();
  await server.close();
  return code;
}
