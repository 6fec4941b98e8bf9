import type { App } from '@slack/bolt';
import { z } from 'zod';
import { ChannelId, SlackTs, TeamId, UserId } from '../contracts/jobs.js';
import type { SlackAdapterDeps } from './deps.js';
import { issuesOf } from './guard.js';
import { observeAck } from './received.js';

/**
 * A button click on a message LUNA posted (Slack's block_actions payload), with the fields the listeners use:
 * who clicked (and their team, to tell another organisation's members apart), on which message, and `action`.
 */
export function messageClick<A extends z.ZodType>(action: A) {
  return z.object({
    user: z.object({ id: UserId, team_id: TeamId.optional() }),
    channel: z.object({ id: ChannelId }),
    message: z.object({ ts: SlackTs }),
    actions: z.array(action).min(1),
  });
}

/** Who clicked and where, as the jobs that check a click take it (`userTeamId` only when Slack sent one). */
export function clickedBy(click: {
  user: { id: string; team_id?: string | undefined };
  channel: { id: string };
  message: { ts: string };
}): {
  userId: string;
  userTeamId?: string;
  channel: string;
  messageTs: string;
} {
  return {
    userId: click.user.id,
    ...(click.user.team_id ? { userTeamId: click.user.team_id } : {}),
    channel: click.channel.id,
    messageTs: click.message.ts,
  };
}

/**
 * The one shape of a button listener: ack at once, parse the click, queue its job (or warn about a click that does
 * not parse, without its values), count the ack. A click that cannot parse is never queued: no retry would change it.
 */
export function onClick<S extends z.ZodType>(
  app: App,
  deps: Pick<SlackAdapterDeps, 'log' | 'metrics'>,
  o: {
    /** A Slack action_id, or a pattern of them (CSAT's vote_1 … vote_5). */
    actionId: string | RegExp;
    schema: S;
    /** In the warning: "ignored a malformed <what> click". */
    what: string;
    /** The ack metric's surface label. */
    surface: string;
    queue: (click: z.infer<S>) => Promise<void>;
  },
): void {
  app.action({ action_id: o.actionId, type: 'block_actions' }, async ({ ack, body, context }) => {
    const click = o.schema.safeParse(body);
    if (click.success) await o.queue(click.data);
    else deps.log.warn(`ignored a malformed ${o.what} click`, { issues: issuesOf(click.error) });
    await ack();
    observeAck(deps.metrics, context, o.surface);
  });
}
