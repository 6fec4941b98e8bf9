import type * as types from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Settings } from '../config/load.js';
import { moreUrgent } from '../domain/request-policy.js';
import { startingPriority, type RequestRecord } from '../domain/requests.js';
import { slaPolicy, type SlaPolicy } from '../domain/request-sla.js';
import { openRequest, respond, type OpenInput } from '../domain/request-lifecycle.js';
import type { Logger } from '../infra/log.js';
import type { Metrics } from '../infra/metrics.js';
import type { Stores } from '../stores/index.js';
import type { OpenResult } from '../stores/requests.js';
import type { ChannelAccounts } from './channel-accounts.js';
import type { Directory } from './directory.js';
import { slackErrorCode } from './errors.js';
import { postPart } from './post.js';
import { tellOwnersUnassigned, type AlertViews } from './request-alerts.js';
import { postedParts, readThread, type SlackThreadMessage } from './thread.js';

/**
 * The Slack side of customer requests that several jobs share: who is a customer and who is of the team, opening
 * a request and posting its triage card (once), and bringing the card up to date (`chat.update`) after any change.
 * Everything here is posted in the triage channel or privately: never where the customer reads.
 */

/** Who LUNA is in Slack: its workspace and enterprise (the job context's `identity`). */
export interface Home {
  teamId: string;
  enterpriseId?: string | undefined;
}

/** What the team is shown, rendered by the caller (render/request-views.ts): this layer posts, it never renders. */
export interface RequestViews extends AlertViews {
  card(r: RequestRecord): { text: string; blocks: types.KnownBlock[] };
}

/** The parts of a job's context the request side uses. */
export interface RequestSide {
  slack: WebClient;
  settings: Settings;
  stores: Stores;
  metrics: Metrics;
  log: Logger;
  accounts: ChannelAccounts;
  directory: Directory;
  identity: Home;
  views: RequestViews;
  /** Told after a change that resolved a request, or took a resolved one back (reopened, withdrawn). */
  onResolvedChange?: ((r: RequestRecord, resolved: boolean) => Promise<void>) | undefined;
}
type Ctx = RequestSide;

export function requestPolicy(ctx: Pick<RequestSide, 'settings'>): SlaPolicy {
  return slaPolicy(ctx.settings.workspace.requests);
}

/** Whether a message is a customer's in a customer channel: the channel's audience, then the author's organisation. */
export async function isCustomerMessage(
  ctx: Pick<RequestSide, 'directory' | 'identity'>,
  p: { channel: string; userId: string; userTeam?: string | undefined },
) {
  if ((await ctx.directory.audience(p.channel)).kind !== 'customer') return false;
  return ctx.directory.isExternal(p.userId, p.userTeam);
}

/** The marker on a card, the same for every job that might post it: a retry finds the card it already posted. */
const cardJob = (id: string) => `request-card-${id}`;

/**
 * Opens a request for a customer's message (or joins it to their open one within groupMinutes) and posts its
 * card. `again`: this job ran before, so a request it finds without a card may be its own, card half posted.
 */
export async function openAndAnnounce(
  ctx: Ctx,
  m: Omit<OpenInput, 'account'>,
  o: { group: boolean; again: boolean },
): Promise<OpenResult> {
  const policy = requestPolicy(ctx);
  const account = await ctx.accounts.forChannel(m.channel);
  const plan = startingPriority(account?.book?.plan, policy.priorityByPlan);
  const input: OpenInput = {
    ...m,
    priority: moreUrgent(plan, m.priority),
    ...(account
      ? { account: { id: account.id, name: account.name, plan: account.book?.plan, owner: account.book?.owner } }
      : {}),
  };
  const result = await ctx.stores.requests.open(openRequest(input, policy), policy, { group: o.group });
  if (result.outcome === 'opened') {
    ctx.metrics.requestsOpened.inc({ via: m.via });
    await announce(ctx, result.record, false);
  } else if (result.outcome === 'exists' && !result.record.card && o.again) {
    await announce(ctx, result.record, true);
  } else if (result.outcome === 'joined' && result.changed) {
    await syncCard(ctx, result.record);
  }
  return result;
}

/** The card, a reply the team already wrote, then (when nobody is assigned) a private note to the channel's owners. */
async function announce(ctx: Ctx, opened: RequestRecord, again: boolean): Promise<void> {
  const record = await postCard(ctx, opened, again);
  await tellOwnersUnassigned(ctx, (await catchUp(ctx, record)) ?? record);
}

/**
 * A request opens a few seconds after its message (the model reads in windows; events race): a reply of the team
 * already in the thread by then is its first response. Reads the thread once; bots' replies never count.
 */
async function catchUp(ctx: Ctx, r: RequestRecord): Promise<RequestRecord | undefined> {
  const thread = await readThread(ctx.slack, r.channel, r.threadTs).catch((err: unknown) => {
    if (slackErrorCode(err) === 'thread_not_found') return [];
    throw err;
  });
  for (const m of thread) {
    if (m.ts === r.threadTs || !m.user || m.bot_id || m.subtype === 'bot_message') continue;
    if (await ctx.directory.isExternal(m.user)) continue;
    const at = Math.round(Number(m.ts) * 1000);
    return (await changeRequest(ctx, r.id, (cur) => respond(cur, { by: m.user!, at }, requestPolicy(ctx))))?.record;
  }
  return undefined;
}

/**
 * Posts the request's card in the triage channel once, with the thread's permalink, then keeps the card's place
 * on the record. A change that landed while it was being posted is brought onto the card at once.
 */
async function postCard(ctx: Ctx, opened: RequestRecord, again: boolean): Promise<RequestRecord> {
  const triage = ctx.settings.workspace.requests.triageChannel;
  if (!triage) return opened;
  const permalink = opened.permalink ?? (await permalinkOf(ctx, opened));
  const withLink = permalink
    ? ((await ctx.stores.requests.update(opened.id, (r) => (r.permalink ? r : { ...r, permalink })))?.record ?? opened)
    : opened;
  const existing = again ? await findCard(ctx, triage, withLink) : undefined;
  const card = ctx.views.card(withLink);
  const ts =
    existing ??
    (await postPart(ctx.slack, {
      channel: triage,
      jobId: cardJob(opened.id),
      part: 'card',
      text: card.text,
      blocks: card.blocks,
      meta: { request_id: opened.id },
    }));
  const saved = await ctx.stores.requests.update(opened.id, (r) =>
    r.card ? r : { ...r, card: { channel: triage, ts } },
  );
  if (saved && saved.record.updatedAt !== withLink.updatedAt) await syncCard(ctx, saved.record);
  ctx.log.info('request opened', {
    request: opened.id,
    via: opened.via,
    priority: opened.priority,
    account: opened.accountId,
  });
  return saved?.record ?? withLink;
}

async function permalinkOf(ctx: Ctx, r: RequestRecord): Promise<string | undefined> {
  try {
    return (await ctx.slack.chat.getPermalink({ channel: r.channel, message_ts: r.messageTs })).permalink;
  } catch (err) {
    ctx.log.warn('no permalink for a request’s message; its card links nothing', {
      request: r.id,
      slackError: slackErrorCode(err),
    });
    return undefined;
  }
}

/** A card an earlier attempt posted, read back from the triage channel's history by its marker. */
async function findCard(ctx: Ctx, triage: string, r: RequestRecord): Promise<string | undefined> {
  const page = await ctx.slack.conversations.history({
    channel: triage,
    oldest: (r.openedAt / 1000 - 60).toFixed(6),
    include_all_metadata: true,
    limit: 200,
  });
  return postedParts((page.messages ?? []) as SlackThreadMessage[], cardJob(r.id)).get('card');
}

/** Brings the card up to date with the record (no card yet: the job posting it will). */
export async function syncCard(ctx: Pick<RequestSide, 'slack' | 'log' | 'views'>, r: RequestRecord): Promise<void> {
  if (!r.card) return;
  const card = ctx.views.card(r);
  try {
    await ctx.slack.chat.update({ channel: r.card.channel, ts: r.card.ts, text: card.text, blocks: card.blocks });
  } catch (err) {
    // Someone deleted the card: the request goes on without one.
    if (slackErrorCode(err) === 'message_not_found')
      ctx.log.warn('a request’s card is gone; not updated', { request: r.id });
    else throw err;
  }
}

/**
 * Applies a change to a stored request (a pure transition from domain/request-lifecycle.ts) and, when it changed anything,
 * records the clocks it stopped and updates the card. Undefined when no such request is kept.
 */
export async function changeRequest(
  ctx: Pick<RequestSide, 'slack' | 'log' | 'stores' | 'metrics' | 'views' | 'onResolvedChange'>,
  id: string,
  change: (r: RequestRecord) => RequestRecord,
): Promise<{ record: RequestRecord; changed: boolean } | undefined> {
  let before: RequestRecord | undefined;
  const result = await ctx.stores.requests.update(id, (r) => {
    before = r;
    return change(r);
  });
  if (!result?.changed || !before) return result;
  const r = result.record;
  if (before.firstResponseMs === undefined && r.firstResponseMs !== undefined)
    ctx.metrics.requestFirstResponse.observe({ priority: r.priority }, r.firstResponseMs / 1000);
  if (before.status !== 'resolved' && r.status === 'resolved' && r.resolutionMs !== undefined) {
    ctx.metrics.requestResolution.observe({ priority: r.priority }, r.resolutionMs / 1000);
  }
  await syncCard(ctx, r);
  if ((before.status === 'resolved') !== (r.status === 'resolved'))
    await ctx.onResolvedChange?.(r, r.status === 'resolved');
  return result;
}
