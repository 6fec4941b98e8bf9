import type { DigestMessage } from '../../domain/digest-chunks.js';
import { citedRefs, refOf, resolveCitations, tsOf, type CitedMessage, type DigestRecord } from '../../domain/digest.js';
import { escalateChurnRisk } from '../../steps/escalation-request.js';
import { rememberDigest } from '../../steps/account-memory.js';
import type { Destination } from '../../steps/private-delivery.js';
import { digestWithModel } from '../../llm/digest.js';
import { renderDigest } from '../../render/digest-blocks.js';
import { mentionIntent } from '../../domain/intent.js';
import { permalinkBuilder } from '../../slack-api/permalinks.js';
import { postPart } from '../../slack-api/post.js';
import { postedParts, readThread, toThreadMessages, type SlackThreadMessage } from '../../slack-api/thread.js';
import type { JobContext } from '../../contracts/job-context.js';
import { mentionPolicy } from '../../domain/mention-policy.js';
import type { DigestState } from '../../stores/digests.js';
import { mention, mentionPattern } from '../../domain/slack-ids.js';

/** Everything but LUNA's own messages and `@luna digest` requests, labelled m1… in thread order; threads numbered from 1. */
/** `external`: the customer's people (user id → organisation), so the model knows whose voice each message is. */
export function toDigestMessages(
  ctx: JobContext,
  channel: string,
  threads: SlackThreadMessage[][],
  external: ReadonlyMap<string, string> = new Map(),
): DigestMessage[] {
  const out: DigestMessage[] = [];
  threads.forEach((thread, t) => {
    const threadTs = thread[0]?.ts;
    if (!threadTs) return;
    for (const m of toThreadMessages(thread, ctx.identity.botUserId, ctx.identity.botId)) {
      if (m.fromLuna || m.text.trim() === '' || isDigestRequest(m.text, ctx.identity.botUserId)) continue;
      out.push({
        ref: refOf(out.length),
        channel,
        ts: m.ts,
        threadTs,
        thread: t + 1,
        ...(m.user ? { user: m.user } : {}),
        ...(m.user && external.has(m.user) ? { org: external.get(m.user)! } : {}),
        fromBot: m.fromBot,
        text: m.text,
      });
    }
  });
  return out;
}

function isDigestRequest(text: string, botUserId: string): boolean {
  return mentionPattern(botUserId).test(text) && mentionIntent(text).kind === 'digest';
}

export interface BuildArgs {
  id: string;
  kind: DigestRecord['scope']['kind'];
  channel: string;
  threadTs?: string;
  messages: DigestMessage[];
  threads: number;
  since?: string;
  until?: string;
  /** Asked in a customer channel: the organisation that reads it (the digest then goes privately). */
  sharedWith?: string;
}

/** Map-reduce the messages through the model, keep only real citations, and link each cited message. */
export async function buildRecord(ctx: JobContext, state: DigestState, a: BuildArgs): Promise<DigestRecord> {
  const { workspace, persona } = ctx.settings;
  const people = new Set(a.messages.flatMap((m) => (m.user ? [m.user] : [])));
  const describe =
    a.kind === 'thread'
      ? `a thread in ${mention(a.channel)} (${a.messages.length} messages)`
      : `${mention(a.channel)}: ${a.threads} threads with new messages (${a.messages.length} messages)`;
  const run = await digestWithModel(
    {
      anthropic: ctx.anthropic,
      persona,
      maxOutputTokens: workspace.model.maxOutputTokens,
      // The same history budget an answer gets; larger threads are read in parts of this size.
      budgetTokens: workspace.model.threadTokenBudget,
      memo: state.memo(a.id),
      onUsage: (u) => ctx.metrics.recordUsage(u),
    },
    { describe, areas: workspace.escalation?.owners.map((o) => o.area) ?? [], handles: Object.keys(workspace.handles) },
    a.messages,
  );
  const byRef = new Map(a.messages.map((m) => [m.ref, m]));
  const { digest, dropped } = resolveCitations(run.digest, (ref) => byRef.has(ref), a.messages.length);
  if (dropped) ctx.log.warn('digest claims without a valid citation were left out', { digest: a.id, dropped });
  const refs = citedRefs(digest);
  const cited: Record<string, CitedMessage> = {};
  if (refs.length) {
    const link = await permalinkBuilder(ctx.slack, byRef.get(refs[0]!)!);
    for (const ref of refs) {
      const m = byRef.get(ref)!;
      cited[ref] = { url: await link(m), channel: m.channel, ts: m.ts, threadTs: m.threadTs };
    }
  }
  ctx.log.info('digest built', { digest: a.id, messages: a.messages.length, parts: run.parts, modelCalls: run.calls });
  return {
    id: a.id,
    createdAt: Date.now(),
    scope: {
      kind: a.kind,
      channel: a.channel,
      ...(a.threadTs ? { threadTs: a.threadTs } : {}),
      messages: a.messages.length,
      threads: a.threads,
      people: people.size,
      ...(a.since ? { since: a.since } : {}),
      ...(a.until ? { until: a.until } : {}),
      ...(a.sharedWith ? { sharedWith: a.sharedWith } : {}),
      parts: run.parts,
    },
    digest,
    cited,
    participants: [...people],
  };
}

/**
 * Posts the parts not yet in Slack (each carries metadata naming the digest, so a retried job sees what
 * it already posted), then records stats and requests escalations, each once per digest.
 */
export async function publishDigest(
  ctx: JobContext,
  state: DigestState,
  record: DigestRecord,
  to: Destination,
  thread?: SlackThreadMessage[],
): Promise<void> {
  const done = await state.done(record.id);
  const { parts, removed } = renderDigest(record, done, mentionPolicy(ctx.settings, record.participants));
  if (removed.length) ctx.metrics.mentionsNeutralised.inc(removed.length);
  const posted = await postedDigestParts(ctx, record, to, thread);
  let threadTs = to.threadTs ?? posted.get('0');
  for (const [i, part] of parts.entries()) {
    const found = posted.get(String(i));
    const ts =
      found ??
      (await postPart(ctx.slack, {
        channel: to.channel,
        threadTs,
        jobId: record.id,
        part: i,
        text: part.text,
        blocks: part.blocks,
        meta: { of: parts.length },
      }));
    // Where each part is, for Done clicks to be checked against (found parts too: a crash may have come first).
    await state.recordPosted(record.id, i, to.channel, ts);
    threadTs ??= ts;
  }
  if (await state.once(record.id, 'stats')) {
    await ctx.stores.stats.incr('digests');
    await ctx.stores.stats.observe('csat', record.digest.csat.estimate);
    if (record.digest.actions.length) await ctx.stores.stats.incr('action_items_created', record.digest.actions.length);
  }
  // Account memory (steps/account-memory.ts): once per digest, for digests of an account's channel.
  await rememberDigest(ctx, record);
  await escalateChurnRisks(ctx, record);
}

/** Parts of this digest already posted (part → ts): in the thread, or top-level since the digest was made. */
async function postedDigestParts(
  ctx: JobContext,
  record: DigestRecord,
  to: Destination,
  thread?: SlackThreadMessage[],
): Promise<Map<string, string>> {
  if (to.threadTs) return postedParts(thread ?? (await readThread(ctx.slack, to.channel, to.threadTs)), record.id);
  let first: string | undefined;
  let cursor: string | undefined;
  do {
    const page = await ctx.slack.conversations.history({
      channel: to.channel,
      oldest: tsOf(record.createdAt),
      include_all_metadata: true,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    first = postedParts((page.messages ?? []) as SlackThreadMessage[], record.id).get('0');
    cursor = !first && page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
  } while (cursor);
  return first ? postedParts(await readThread(ctx.slack, to.channel, first), record.id) : new Map();
}

/**
 * Churn signals in a configured strategic area, confident enough, go to the escalation flow. The request id
 * is derived from the digest (its creation time), so a retried job queues the same escalation once.
 */
async function escalateChurnRisks(ctx: JobContext, record: DigestRecord): Promise<void> {
  for (const risk of record.digest.churnRisks) {
    const where = record.cited[risk.sources[0]!];
    if (!where) continue;
    const links = risk.sources.flatMap((ref) => (record.cited[ref] ? [record.cited[ref].url] : []));
    await escalateChurnRisk(ctx, risk, () => ({
      channel: where.channel,
      threadTs: where.threadTs,
      customerWants: risk.customerWants,
      whyStrategic: risk.whyStrategic,
      decisionNeeded: risk.decisionNeeded,
      summary: `Churn-risk signal from a feedback digest${risk.customer ? ` (${risk.customer})` : ''}: ${risk.signal}`,
      evidence: `${risk.signal}\n${links.join('\n')}`,
      source: 'digest',
      requestedAt: record.createdAt,
    }));
  }
}
