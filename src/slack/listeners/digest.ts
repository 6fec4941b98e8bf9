import type { App, Context } from '@slack/bolt';
import { z } from 'zod';
import { digestDoneJobId, threadDigestJobId, type DigestDonePayload, type ThreadDigestPayload } from '../../contracts/digest-payloads.js';
import { JOB_NAMES, type AnswerPayload } from '../../contracts/jobs.js';
import { DONE_ACTION_ID } from '../../render/digest-blocks.js';
import type { SlackAdapterDeps } from '../app.js';

export const DIGEST_SHORTCUT_ID = 'feedback_digest';

/** The fields of Slack's payloads these listeners use; anything else in them is ignored. */
const ShortcutBody = z.object({
  channel: z.object({ id: z.string().min(1) }),
  user: z.object({ id: z.string().min(1) }),
  message: z.object({ ts: z.string(), thread_ts: z.string().optional() }),
  action_ts: z.string().min(1),
  team: z.object({ id: z.string() }).nullish(),
  response_url: z.string().url().optional(),
});
const DoneClick = z.object({
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string().min(1) }),
  message: z.object({ ts: z.string() }),
  actions: z.array(z.object({ action_id: z.literal(DONE_ACTION_ID), value: z.string(), action_ts: z.string() })).min(1),
});
const DoneValue = z.object({ d: z.string().min(1), i: z.number().int().min(0) });

/**
 * The "Feedback digest" message shortcut (a digest of the message's thread, posted in that thread) and
 * the Done buttons of digest actions. Both only enqueue; the ack follows once the job is in Redis.
 */
export function registerDigestListeners(app: App, deps: SlackAdapterDeps): void {
  app.shortcut({ callback_id: DIGEST_SHORTCUT_ID, type: 'message_action' }, async ({ shortcut, ack, context }) => {
    const s = ShortcutBody.safeParse(shortcut);
    if (s.success) {
      const { channel, user, message, action_ts, team, response_url } = s.data;
      const payload: ThreadDigestPayload = {
        ...(team?.id ? { teamId: team.id } : {}),
        channel: channel.id,
        threadTs: message.thread_ts ?? message.ts,
        requestedBy: user.id,
        source: 'shortcut',
        receivedAt: (context.lunaReceivedEpoch as number | undefined) ?? Date.now(),
        ...(response_url ? { responseUrl: response_url } : {}),
      };
      await deps.enqueue(JOB_NAMES.digest, payload, { jobId: threadDigestJobId(channel.id, action_ts) });
    } else {
      deps.log.warn('ignored a malformed digest shortcut payload', { issues: s.error.issues.slice(0, 3) });
    }
    await ack();
    observeAck(deps, context, 'shortcut');
  });

  app.action({ action_id: DONE_ACTION_ID, type: 'block_actions' }, async ({ body, ack, context }) => {
    const click = DoneClick.safeParse(body);
    const action = click.success ? click.data.actions[0]! : undefined;
    const value = action ? DoneValue.safeParse(safeJson(action.value)) : undefined;
    if (click.success && action && value?.success) {
      const payload: DigestDonePayload = {
        digestId: value.data.d,
        action: value.data.i,
        userId: click.data.user.id,
        channel: click.data.channel.id,
        messageTs: click.data.message.ts,
      };
      await deps.enqueue(JOB_NAMES.digestDone, payload, { jobId: digestDoneJobId(payload, action.action_ts) });
    } else {
      deps.log.warn('ignored a malformed Done click');
    }
    await ack();
    observeAck(deps, context, 'digest_done');
  });
}

/** `@luna digest` in a thread: the mention's own fields say which thread and who asked. */
export function threadDigestPayload(m: Pick<AnswerPayload, 'teamId' | 'channel' | 'threadTs' | 'userId' | 'receivedAt'>): ThreadDigestPayload {
  return {
    ...(m.teamId ? { teamId: m.teamId } : {}),
    channel: m.channel,
    threadTs: m.threadTs,
    requestedBy: m.userId,
    source: 'mention',
    receivedAt: m.receivedAt,
  };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

function observeAck(deps: SlackAdapterDeps, context: Context, surface: string): void {
  const started = context.lunaReceivedAt as number | undefined;
  if (started !== undefined) deps.metrics.ackLatency.observe({ surface }, (performance.now() - started) / 1000);
}
