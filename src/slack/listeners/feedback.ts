import type { App } from '@slack/bolt';
import { z } from 'zod';
import { ActionTs, ChannelId, TeamId, UserId } from '../../contracts/jobs.js';
import { FEEDBACK_ACTION, FEEDBACK_REASON_ACTION_PREFIX, FEEDBACK_REASONS, parseFeedbackValue, type FeedbackReason } from '../../render/answer-blocks.js';
import type { SlackAdapterDeps } from '../deps.js';
import { observeAck } from '../received.js';
import { clickedBy, messageClick } from './click.js';

/** The fields of a feedback-button click (Slack's block_actions payload, a `feedback_buttons` action) this listener uses. */
const VoteClick = messageClick(z.object({ type: z.literal('feedback_buttons'), value: z.string(), action_ts: ActionTs }));

/** A reason button on the private follow-up to a thumbs-down (an ephemeral: its channel is in the container). */
const ReasonClick = z.object({
  user: z.object({ id: UserId, team_id: TeamId.optional() }),
  container: z.object({ channel_id: ChannelId }),
  response_url: z.url().optional(),
  actions: z.array(z.object({ value: z.string(), action_ts: ActionTs })).min(1),
});

/** Feedback buttons on answers and the reasons after a thumbs-down: parse, queue, ack. Anything that does not parse is acked and dropped. */
export function registerFeedbackListeners(app: App, deps: SlackAdapterDeps): void {
  app.action({ action_id: FEEDBACK_ACTION, type: 'block_actions' }, async ({ body, ack, context }) => {
    const click = VoteClick.safeParse(body);
    const action = click.success ? click.data.actions[0]! : undefined;
    const value = action ? parseFeedbackValue(action.value) : undefined;
    if (click.success && action && value && (value.kind === 'positive' || value.kind === 'negative')) {
      await deps.enqueue('feedback', {
        kind: 'vote',
        answerId: value.answerId,
        vote: value.kind,
        ...clickedBy(click.data),
        actionTs: action.action_ts,
      });
    } else {
      deps.log.warn('ignored a malformed feedback click');
    }
    await ack();
    observeAck(deps.metrics, context, 'feedback_vote');
  });

  app.action({ action_id: new RegExp(`^${FEEDBACK_REASON_ACTION_PREFIX}`), type: 'block_actions' }, async ({ body, ack, context }) => {
    const click = ReasonClick.safeParse(body);
    const action = click.success ? click.data.actions[0]! : undefined;
    const value = action ? parseFeedbackValue(action.value) : undefined;
    if (click.success && action && value && (FEEDBACK_REASONS as readonly string[]).includes(value.kind)) {
      await deps.enqueue('feedback', {
        kind: 'reason',
        answerId: value.answerId,
        reason: value.kind as FeedbackReason,
        userId: click.data.user.id,
        ...(click.data.user.team_id ? { userTeamId: click.data.user.team_id } : {}),
        channel: click.data.container.channel_id,
        actionTs: action.action_ts,
        ...(click.data.response_url ? { responseUrl: click.data.response_url } : {}),
      });
    } else {
      deps.log.warn('ignored a malformed feedback reason click');
    }
    await ack();
    observeAck(deps.metrics, context, 'feedback_reason');
  });
}
