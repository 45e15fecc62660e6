import { followFlags, followWarnings, sessionIdFlag } from '../cli/flags.js';
import type { declareTail, OptionsOf } from '../cli/program.js';
import type { CommandContext } from '../cli/command-context.js';
import { UsageError } from '../errors.js';
import { assertUsable, followTarget } from '../issuer/endpoints.js';
import { EventRenderer } from '../output/renderers/events.js';
import { followSessions } from '../sse/follow.js';
import { isHttpUrl } from '../shared/url.js';

type TailOptions = OptionsOf<typeof declareTail>;

// tail subscribes to a session someone else started: what happened before is lost.
const SILENCE_HINT =
  'walt.id replays nothing to a first subscriber, so events before tail subscribed are lost — start tail before the wallet claims, or use offer create --tail / --claim';

/** `tail <session|url>...`: flags → follow plan → followSessions → event renderer. */
export async function run(ctx: CommandContext<TailOptions>, sessions: string[]): Promise<number> {
  if (!sessions?.length) throw new UsageError('missing session: pass one or more session ids or stream URLs');
  for (const session of sessions) sessionIdFlag(session);
  const foreign = sessions.find((s) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) && !isHttpUrl(s));
  if (foreign) throw new UsageError(`invalid stream URL "${foreign}": tail follows http(s) URLs or session ids`);
  const { options } = ctx;
  const plan = followFlags(options);
  for (const warning of followWarnings(plan)) ctx.output.warn(warning);
  const connection = await ctx.connection(options);
  if (sessions.some((s) => !isHttpUrl(s))) assertUsable(connection);
  const targets = sessions.map((arg) => followTarget(connection, arg, { tokenForAnyUrl: options.token !== undefined }));
  return followSessions({ ...plan, targets, trace: connection.trace, silenceHint: SILENCE_HINT }, new EventRenderer(ctx.output));
}
