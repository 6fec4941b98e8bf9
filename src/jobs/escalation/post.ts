import { EscalationRequest } from '../../contracts/jobs.js';
import type { JobContext } from '../../contracts/job-context.js';
import { escalationMessage } from '../../render/escalation-blocks.js';
import type { EscalationRecord, EscalationStore } from '../../stores/escalations.js';

// The escalation's post in the escalation channel, as its record says now: drawn when it is posted, redrawn when
// evidence is added, someone clicks, or a timer re-escalates.

/** Redraws the post from its record. */
export async function updatePost(ctx: JobContext, store: EscalationStore, record: EscalationRecord): Promise<void> {
  await ctx.slack.chat.update({
    channel: record.escalationChannel,
    ts: record.messageTs!,
    ...(await renderedPost(ctx, store, record)),
  });
}

export async function renderedPost(ctx: JobContext, store: EscalationStore, record: EscalationRecord) {
  const { permalink } = await ctx.slack.chat.getPermalink({ channel: record.channel, message_ts: record.threadTs });
  return escalationMessage({
    record,
    request: EscalationRequest.parse(record.request),
    permalink: permalink ?? '',
    evidence: await store.evidence(record.id),
    fallback: ctx.settings.workspace.escalation?.fallback ?? [],
  });
}

/** A post to the escalation's thread in the escalation channel (reminders, who took it). */
export async function replyToPost(ctx: JobContext, record: EscalationRecord, text: string): Promise<void> {
  await ctx.slack.chat.postMessage({ channel: record.escalationChannel, thread_ts: record.messageTs!, text });
}
