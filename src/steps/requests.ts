import type { JobContext } from '../contracts/job-context.js';
import type { RequestRecord } from '../domain/requests.js';
import { wordsBesides } from '../domain/slack-ids.js';
import { requestViews } from '../render/request-views.js';
import { changeRequest, type RequestSide } from '../slack-api/request-card.js';
import { requestsOn, tracksRequests } from '../domain/request-policy.js';
import { readThread } from '../slack-api/thread.js';

// What every request job hands the card's code: the job's context, the card's views, and what a resolved request
// becomes — knowledge (`knowledge.resolvedRequests`): the customer's question and the team's answer from its thread,
// for that account's channels and internal places. A request reopened or withdrawn leaves the index.

/** The team's answer, as much of it as a passage holds. */
const ANSWER_CHARS = 4_000;

export function requestSide(ctx: JobContext): RequestSide {
  return {
    ...ctx,
    views: requestViews(ctx.settings.workspace.requests),
    // The card is already updated: a failure to index is logged, not retried with the job (which would find the
    // request unchanged and never index it).
    onResolvedChange: (r, resolved) =>
      rememberResolved(ctx, r, resolved).catch((err: unknown) =>
        ctx.log.warn('could not update the knowledge index for a resolved request', { request: r.id, err }),
      ),
  };
}

async function rememberResolved(ctx: JobContext, r: RequestRecord, resolved: boolean): Promise<void> {
  const knowledge = ctx.knowledge;
  if (!knowledge || !r.accountId) return;
  if (!resolved) return knowledge.indexer.removeResolvedRequest(r.id);
  const thread = await readThread(ctx.slack, r.channel, r.threadTs);
  const words = (text: string | undefined) => wordsBesides(ctx.identity.botUserId, text);
  const answers: string[] = [];
  for (const m of thread.slice(1)) {
    if (!m.user || m.bot_id || !words(m.text)) continue;
    if (!(await ctx.directory.isExternal(m.user))) answers.push(words(m.text));
  }
  if (answers.length === 0) return; // resolved without a written answer: nothing to learn from
  await knowledge.indexer.putResolvedRequest({
    requestId: r.id,
    accountId: r.accountId,
    accountName: r.accountName ?? r.accountId,
    question: words(thread[0]?.text) || r.firstWords,
    answer: answers.join('\n\n').slice(0, ANSWER_CHARS),
    url: r.permalink,
  });
}

/**
 * LUNA drafted a reply in a request's thread (the asking message is the request's, or a reply in its thread): the
 * card links each reviewer's copy. Nothing happens where requests are off or the thread is no request's.
 */
export async function showDraftOnCard(
  ctx: JobContext,
  at: { channel: string; messageTs: string; threadTs: string },
  notices: ReadonlyArray<{ user: string; channel: string; ts: string }>,
): Promise<void> {
  if (!requestsOn(ctx.settings.workspace.requests) || notices.length === 0) return;
  const request =
    (await ctx.stores.requests.findByMessage(at.channel, at.messageTs)) ??
    (await ctx.stores.requests.findByMessage(at.channel, at.threadTs));
  if (!request) return;
  const copies = await Promise.all(
    notices.map(async (n) => {
      const { permalink } = await ctx.slack.chat.getPermalink({ channel: n.channel, message_ts: n.ts });
      return { user: n.user, ...(permalink ? { link: permalink } : {}) };
    }),
  );
  await changeRequest(requestSide(ctx), request.id, (r) => ({ ...r, draft: { copies }, updatedAt: Date.now() }));
}

/**
 * The request a message of a requests channel belongs to, or why there is none: requests are off in the channel, or
 * no request has that message (`opening`: only as its opening message; otherwise also a grouped follow-up or its
 * thread's parent). `none` is the outcome a job reports then.
 */
export async function requestFor(
  ctx: Pick<JobContext, 'settings' | 'stores'>,
  at: { channel: string; ts: string },
  o: { none: string; opening?: boolean },
): Promise<{ request: RequestRecord } | { outcome: string }> {
  if (!tracksRequests(ctx.settings.workspace.requests.channels, at.channel))
    return { outcome: 'requests are off in this channel' };
  const request = await ctx.stores.requests.findByMessage(at.channel, at.ts);
  if (!request || (o.opening && request.messageTs !== at.ts)) return { outcome: o.none };
  return { request };
}
