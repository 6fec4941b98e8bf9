import type { App } from '@slack/bolt';
import { z } from 'zod';
import { ActionTs, ChannelId, RecordId, SlackTs, TeamId, UserId } from '../../contracts/jobs.js';
import { DONE_ACTION_ID } from '../../render/digest-blocks.js';
import type { SlackAdapterDeps } from '../deps.js';
import { observeAck, receivedEpoch } from '../received.js';
import { clickedBy, messageClick, onClick } from '../click.js';

export const DIGEST_SHORTCUT_ID = 'feedback_digest';

/** The fields of Slack's payloads these listeners use; anything else in them is ignored. */
const ShortcutBody = z.object({
  channel: z.object({ id: ChannelId }),
  user: z.object({ id: UserId }),
  message: z.object({ ts: SlackTs, thread_ts: SlackTs.optional() }),
  action_ts: ActionTs,
  team: z.object({ id: TeamId }).nullish(),
  response_url: z.string().url().optional(),
});
const DoneValue = z.object({ d: RecordId, i: z.number().int().min(0) });
const DoneClick = messageClick(
  z.object({
    action_id: z.literal(DONE_ACTION_ID),
    value: z.string().transform(jsonOrUndefined).pipe(DoneValue),
    action_ts: ActionTs,
  }),
);

/**
 * The "Feedback digest" message shortcut (a digest of the message's thread, posted in that thread) and
 * the Done buttons of digest actions. Both only enqueue; the ack follows once the job is in Redis. A
 * payload that does not parse is acked and ignored (Slack would only redeliver the same payload).
 */
export function registerDigestListeners(app: App, deps: SlackAdapterDeps): void {
  app.shortcut({ callback_id: DIGEST_SHORTCUT_ID, type: 'message_action' }, async ({ shortcut, ack, context }) => {
    const s = ShortcutBody.safeParse(shortcut);
    if (s.success) {
      const { channel, user, message, action_ts, team, response_url } = s.data;
      await deps.enqueue('digest', {
        ...(team?.id ? { teamId: team.id } : {}),
        channel: channel.id,
        threadTs: message.thread_ts ?? message.ts,
        requestedBy: user.id,
        source: 'shortcut',
        requestTs: action_ts,
        receivedAt: receivedEpoch(context),
        ...(response_url ? { responseUrl: response_url } : {}),
      });
    } else {
      deps.log.warn('ignored a malformed digest shortcut payload', { issues: s.error.issues.slice(0, 3) });
    }
    await ack();
    observeAck(deps.metrics, context, 'shortcut');
  });

  onClick(app, deps, {
    actionId: DONE_ACTION_ID,
    schema: DoneClick,
    what: 'Done',
    surface: 'digest_done',
    queue: async (click) => {
      const action = click.actions[0]!;
      await deps.enqueue('digest-done', {
        digestId: action.value.d,
        action: action.value.i,
        ...clickedBy(click),
        actionTs: action.action_ts,
      });
    },
  });
}

function jsonOrUndefined(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
