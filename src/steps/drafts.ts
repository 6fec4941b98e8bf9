import type { JobContext } from '../contracts/job-context.js';
import { decidedNotice, draftNotice } from '../render/draft-blocks.js';
import { threadLink } from '../slack-api/permalinks.js';
import type { DraftRecord } from '../stores/drafts.js';

// A private draft's copies, one per reviewer's DM: redrawn when someone decides, or when the check flags it. The
// answer job sends them; the draft-action job redraws them.

/** Every reviewer's copy of the draft shows the decision, and loses its buttons. */
export async function showDecision(
  ctx: JobContext,
  draft: DraftRecord,
  status: 'posted' | 'discarded',
  by: string,
): Promise<void> {
  const link = await threadLink(ctx.slack, draft.channel, draft.askedTs);
  const view = decidedNotice({ threadLink: link, status, by, readers: draft.readers });
  for (const n of draft.notices) await ctx.slack.chat.update({ channel: n.channel, ts: n.ts, ...view });
}

/** Every reviewer's copy of a pending draft is redrawn: the facts the check found now, and Post asking to confirm them. */
export async function showFlagged(ctx: JobContext, draft: DraftRecord): Promise<void> {
  const notice = draftNotice({
    ...draft,
    draftId: draft.id,
    threadLink: await threadLink(ctx.slack, draft.channel, draft.askedTs),
  });
  for (const n of draft.notices) await ctx.slack.chat.update({ channel: n.channel, ts: n.ts, ...notice });
}
