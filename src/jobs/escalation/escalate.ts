import { mentionList, ownersFor } from '../../domain/escalation.js';
import { LunaError } from '../../infra/errors.js';
import { escalationId, type EscalationRecord, type EscalationStore } from '../../stores/escalations.js';
import { postPart } from '../../slack-api/post.js';
import { postedParts, readThread } from '../../slack-api/thread.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { renderedPost, updatePost } from './post.js';
import { rememberEscalation } from '../../steps/account-memory.js';

const ESCALATION_EVENT_TYPE = 'luna_escalation';

/**
 * Posts an escalation, or appends new evidence to the one this thread and area already have. A lock
 * makes concurrent requests for the same thread+area queue up behind each other instead of racing.
 */
export async function escalateJob(
  job: LunaJob<'escalate'>,
  ctx: JobContext,
): Promise<{ id: string; created: boolean }> {
  const req = job.data;
  const esc = ctx.settings.workspace.escalation;
  const id = escalationId(req.channel, req.threadTs, req.area);
  if (!esc) return { id, created: false };
  const store = ctx.stores.escalations;
  if (!(await store.lock(id, job.id, 60_000))) {
    throw new LunaError('luna_slack_failed', `escalation ${id} is being updated by another job`, { retriable: true });
  }
  try {
    const existing = await store.get(id);
    if (existing?.messageTs) {
      // Already escalated: the new message is evidence on the same post, not a second post.
      if (await store.addEvidenceOnce(id, job.id, req.evidence)) await updatePost(ctx, store, existing);
      return { id, created: false };
    }
    const record: EscalationRecord = existing ?? {
      id,
      area: req.area,
      channel: req.channel,
      threadTs: req.threadTs,
      escalationChannel: esc.channel,
      status: 'open',
      createdAt: req.requestedAt,
      owners: ownersFor(esc, req.area),
      request: req,
    };
    if (!existing) await store.create(record, req.requestedAt + esc.acknowledgeWithinMinutes * 60_000);
    // From here every step is safe to repeat after a crash: find-or-post, note-once, timer by fixed id.
    await postEscalation(ctx, store, record);
    // Account memory (steps/account-memory.ts): area and when it opened, for the account's brief and Home.
    await rememberEscalation(ctx, record);
    await noteInCustomerThread(ctx, record);
    await ctx.enqueue('escalation-timer', { id, stage: 'remind' }, { delayMs: esc.acknowledgeWithinMinutes * 60_000 });
    if (!existing) {
      await ctx.stores.stats.incr('escalations_opened');
      ctx.metrics.escalations.inc({ outcome: 'opened' });
    }
    return { id, created: !existing };
  } finally {
    await store.unlock(id, job.id);
  }
}

/** Creating the record comes first; if a crash hit between posting and saving the ts, find the post by its metadata. */
async function postEscalation(ctx: JobContext, store: EscalationStore, record: EscalationRecord): Promise<void> {
  const found = await findPost(ctx, record);
  const ts =
    found ??
    (
      await ctx.slack.chat.postMessage({
        channel: record.escalationChannel,
        ...(await renderedPost(ctx, store, record)),
        unfurl_links: false,
        metadata: { event_type: ESCALATION_EVENT_TYPE, event_payload: { escalation_id: record.id } },
      })
    ).ts!;
  record.messageTs = ts;
  await store.set(record.id, { messageTs: ts });
}

async function findPost(ctx: JobContext, record: EscalationRecord): Promise<string | undefined> {
  const recent = await ctx.slack.conversations.history({
    channel: record.escalationChannel,
    oldest: String(record.createdAt / 1000 - 60),
    limit: 200,
    include_all_metadata: true,
  });
  const m = (recent.messages ?? []).find(
    (x) =>
      (x as { metadata?: { event_payload?: { escalation_id?: string } } }).metadata?.event_payload?.escalation_id ===
      record.id,
  );
  return m?.ts;
}

/**
 * The customer thread learns who was looped in, once. In a Slack Connect channel (shared with the
 * customer's own workspace) it learns nothing: the customer must never see an internal escalation.
 */
async function noteInCustomerThread(ctx: JobContext, record: EscalationRecord): Promise<void> {
  if ((await ctx.directory.audience(record.channel)).kind === 'customer') return;
  const noteId = `escalation-${record.id}`;
  if (postedParts(await readThread(ctx.slack, record.channel, record.threadTs), noteId).has('note')) return;
  await postPart(ctx.slack, {
    channel: record.channel,
    threadTs: record.threadTs,
    jobId: noteId,
    part: 'note',
    text: `I've looped in ${mentionList(record.owners)} (${record.area.toLowerCase()}) for the decision this needs. They'll follow up here.`,
  });
}
