import type { App } from '@slack/bolt';
import { z } from 'zod';
import { ActionTs, ChannelId, RecordId, SlackTs, UserId } from '../../contracts/jobs.js';
import { CSAT_VOTE_ACTION } from '../../render/csat-blocks.js';
import type { SlackAdapterDeps } from '../deps.js';
import { observeAck } from '../received.js';
import { messageClick, onClick } from '../click.js';

/** `reaction_added` as Slack sends it: who, which emoji, on which message (files get no reaction events any more). */
const ReactionAdded = z.object({
  user: UserId,
  reaction: z.string().min(1),
  item: z.object({ type: z.literal('message'), channel: ChannelId, ts: SlackTs }),
  event_ts: SlackTs,
});

/** A click on one of a survey's rating buttons: who, where from, which survey and score. */
const VoteClick = messageClick(
  z.object({ action_id: z.string().regex(CSAT_VOTE_ACTION), value: RecordId, action_ts: ActionTs }),
);

/**
 * CSAT surveys: `csat.resolvedReaction` on a message queues a `thread-resolved` job (which also closes the
 * thread's escalations in account memory, so it runs whether surveys are on or not); a rating click queues
 * a `csat-vote` job. Both ack at once. Other reactions are ignored here, without a job.
 */
export function registerCsatListeners(app: App, deps: SlackAdapterDeps): void {
  const wanted = deps.settings.workspace.csat.resolvedReaction;
  app.event('reaction_added', async ({ event, context }) => {
    const e = ReactionAdded.safeParse(event);
    // Skin tones arrive as `white_check_mark::skin-tone-2`: the same reaction.
    if (!e.success || e.data.reaction.split('::')[0] !== wanted.split('::')[0]) return;
    await deps.enqueue('thread-resolved', {
      channel: e.data.item.channel,
      ts: e.data.item.ts,
      userId: e.data.user,
      eventTs: e.data.event_ts,
    });
    observeAck(deps.metrics, context, 'resolved_reaction');
  });

  onClick(app, deps, {
    actionId: CSAT_VOTE_ACTION,
    schema: VoteClick,
    what: 'CSAT',
    surface: 'csat_vote',
    queue: async (click) => {
      const button = click.actions[0]!;
      await deps.enqueue('csat-vote', {
        surveyId: button.value,
        score: Number(CSAT_VOTE_ACTION.exec(button.action_id)![1]),
        userId: click.user.id,
        channel: click.channel.id,
        messageTs: click.message.ts,
        actionTs: button.action_ts,
      });
    },
  });
}
