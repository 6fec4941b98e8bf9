import type { JobContext } from '../contracts/job-context.js';
import { clearWorking } from '../slack-api/working.js';
import { tellOnly } from '../slack-api/tell-only.js';
import type { Organisation } from '../domain/audience.js';
import { tokensSpent, type ModelUsage } from '../infra/metrics.js';
import type { LimitVerdict } from '../stores/limits.js';
import { isDirectMessageId } from '../domain/slack-ids.js';

/**
 * The limits of PRODUCT.md in front of every model call a person asks for (answers, digests, journey maps): per person a sliding minute and a UTC
 * day of mentions, per other organisation a UTC day of model tokens. Checked in the job, before anything is read
 * from Slack or asked of the model, so the ack path stays one enqueue; one Redis script decides and counts.
 */

const NOTES: Record<Exclude<LimitVerdict, 'ok'>, (limit: number) => string> = {
  person_minute: (n) =>
    `:hourglass: That's more than ${n} questions in a minute, so I'm pausing for you. Ask again in a minute and I'll answer.`,
  person_day: (n) =>
    `:hourglass: You've reached today's limit of ${n} questions to me. I'll answer again tomorrow (UTC).`,
};

/** Who asked LUNA for model work (an answer, a digest, a journey map), and where. */
export interface Asked {
  userId: string;
  channel: string;
  threadTs?: string | undefined;
  /** The message that mentioned LUNA, when it carries the working reaction (answers). */
  messageTs?: string | undefined;
  /** Whether the place is a DM; by default, whether `channel` is a DM's id. */
  isDirectMessage?: boolean;
}

/**
 * True when this mention may be answered. Otherwise it is counted on `luna_mentions_limited_total`, nothing more
 * happens for it, and the first mention turned away in its window gets one short note: in a channel only the
 * asker sees it (ephemeral); in a DM, where an ephemeral would be lost, it is a plain reply.
 */
export async function admitMention(ctx: JobContext, jobId: string, p: Asked): Promise<boolean> {
  const inDm = p.isDirectMessage ?? isDirectMessageId(p.channel);
  const limits = ctx.settings.workspace.limits;
  const { verdict, note } = await ctx.stores.limits.admit(jobId, p.userId, {
    perMinute: limits.mentionsPerPersonPerMinute,
    perDay: limits.mentionsPerPersonPerDay,
  });
  if (verdict === 'ok') return true;
  if (await ctx.stores.answers.once(jobId, 'limited')) ctx.metrics.mentionsLimited.inc({ limit: verdict });
  ctx.log.info('a mention over a limit gets no model call', { job: jobId, user: p.userId, limit: verdict, note });
  if (note) {
    const text = NOTES[verdict](
      verdict === 'person_minute' ? limits.mentionsPerPersonPerMinute : limits.mentionsPerPersonPerDay,
    );
    const thread = p.threadTs ? { thread_ts: p.threadTs } : {};
    const sent = inDm
      ? ctx.slack.chat.postMessage({ channel: p.channel, ...thread, text })
      : tellOnly(ctx.slack, { channel: p.channel, user: p.userId, threadTs: p.threadTs }, text);
    await sent.catch((err: unknown) =>
      ctx.log.warn('could not tell someone they are over a limit', { channel: p.channel, err }),
    );
  }
  // The listener put the working reaction up at enqueue; nothing is coming.
  if (p.messageTs && !inDm) await clearWorking(ctx.slack, { channel: p.channel, messageTs: p.messageTs });
  return false;
}

/** Whether the organisation's people may still be answered today: its tokens so far are under `organisationDailyTokens`. */
export async function withinOrganisationBudget(ctx: JobContext, org: Organisation): Promise<boolean> {
  return (await ctx.stores.limits.organisationSpent(org.id)) < ctx.settings.workspace.limits.organisationDailyTokens;
}

/**
 * A model call made for someone of another organisation is billed to it, as the API reported it. Calls already on
 * their way when the budget runs out still finish, so a day may end a few answers over it.
 */
export async function spendFor(ctx: JobContext, org: Organisation | undefined, usage: ModelUsage): Promise<void> {
  if (org) await ctx.stores.limits.spend(org, tokensSpent(usage));
}
