import type { App } from '@slack/bolt';
import { z } from 'zod';
import { ActionTs, ChannelId, TeamId, UserId } from '../../contracts/jobs.js';
import {
  FEEDBACK_ACTION,
  FEEDBACK_REASON_ACTION_PREFIX,
  FEEDBACK_REASONS,
  parseFeedbackValue,
  type FeedbackReason,
} from '../../render/answer-blocks.js';
import type { SlackAdapterDeps } from '../deps.js';
import { clickedBy, messageClick, onClick } from '../click.js';

/** The fields of a feedback-button click (Slack's block_actions payload, a `feedback_buttons` action) this listener uses. */
const VoteClick = messageClick(
  z.object({
    type: z.literal('feedback_buttons'),
    value: feedbackValue((kind): kind is 'positive' | 'negative' => kind === 'positive' || kind === 'negative'),
    action_ts: ActionTs,
  }),
);

/** A reason button on the private follow-up to a thumbs-down (an ephemeral: its channel is in the container). */
const ReasonClick = z.object({
  user: z.object({ id: UserId, team_id: TeamId.optional() }),
  container: z.object({ channel_id: ChannelId }),
  response_url: z.url().optional(),
  actions: z
    .array(
      z.object({
        value: feedbackValue((kind): kind is FeedbackReason => (FEEDBACK_REASONS as readonly string[]).includes(kind)),
        action_ts: ActionTs,
      }),
    )
    .min(1),
});

/** A feedback button's value, `<kind>:<answer id>`, whose kind is one `isKind` accepts. */
function feedbackValue<K extends string>(isKind: (kind: string) => kind is K) {
  return z.string().transform((v, ctx) => {
    const parsed = parseFeedbackValue(v);
    if (parsed && isKind(parsed.kind)) return { kind: parsed.kind, answerId: parsed.answerId };
    ctx.addIssue({ code: 'custom', message: 'not a feedback value LUNA sent' });
    return z.NEVER;
  });
}

/** Feedback buttons on answers and the reasons after a thumbs-down: parse, queue, ack. Anything that does not parse is acked and dropped. */
export function registerFeedbackListeners(app: App, deps: SlackAdapterDeps): void {
  onClick(app, deps, {
    actionId: FEEDBACK_ACTION,
    schema: VoteClick,
    what: 'feedback',
    surface: 'feedback_vote',
    queue: async (click) => {
      const action = click.actions[0]!;
      await deps.enqueue('feedback', {
        kind: 'vote',
        answerId: action.value.answerId,
        vote: action.value.kind,
        ...clickedBy(click),
        actionTs: action.action_ts,
      });
    },
  });

  onClick(app, deps, {
    actionId: new RegExp(`^${FEEDBACK_REASON_ACTION_PREFIX}`),
    schema: ReasonClick,
    what: 'feedback reason',
    surface: 'feedback_reason',
    queue: async (click) => {
      const action = click.actions[0]!;
      await deps.enqueue('feedback', {
        kind: 'reason',
        answerId: action.value.answerId,
        reason: action.value.kind,
        userId: click.user.id,
        ...(click.user.team_id ? { userTeamId: click.user.team_id } : {}),
        channel: click.container.channel_id,
        actionTs: action.action_ts,
        ...(click.response_url ? { responseUrl: click.response_url } : {}),
      });
    },
  });
}
