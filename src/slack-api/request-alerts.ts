import type { WebClient } from '@slack/web-api';
import type { Settings } from '../config/load.js';
import type { SlaTarget } from '../config/requests.js';
import { channelOwners } from '../domain/escalation.js';
import { whoToTell } from '../domain/request-policy.js';
import type { RequestRecord } from '../domain/requests.js';
import type { Logger } from '../infra/log.js';
import type { Directory } from './directory.js';
import { dmOnce } from './dm.js';
import { slackErrorCode } from './errors.js';
import { postPart } from './post.js';
import { postedParts, readThread } from './thread.js';

/**
 * The private side of customer requests: the warning at `warnAt` (a DM to the assignee, else the channel's owners),
 * the breach reply under the card naming them, the note to the owners that a request has nobody, and the App Home
 * sections. Every message here is marked with the job that sends it, so a retried job finds its earlier post
 * instead of sending a second one.
 */

/** The texts of the private side, rendered by the caller (render/request-views.ts). */
export interface AlertViews {
  warning(r: RequestRecord, target: SlaTarget, cardLink?: string): string;
  breach(r: RequestRecord, target: SlaTarget, notify: readonly string[]): string;
  unassigned(r: RequestRecord, cardLink?: string): string;
}

interface Ctx {
  slack: WebClient;
  settings: Settings;
  log: Logger;
  directory: Directory;
  views: AlertViews;
}

function recipients(ctx: Pick<Ctx, 'settings'>, r: RequestRecord): string[] {
  return whoToTell(r, channelOwners(ctx.settings.workspace, r.channel));
}

/** The people to tell privately: user groups among the owners expanded; a group Slack will not expand is logged. */
async function people(ctx: Ctx, r: RequestRecord): Promise<string[]> {
  const ids = recipients(ctx, r);
  try {
    return [...(await ctx.directory.expand(ids))];
  } catch (err) {
    ctx.log.warn('could not expand the channel owners’ user groups; telling the people named', {
      request: r.id,
      slackError: slackErrorCode(err),
    });
    return ids.filter((id) => id.startsWith('U') || id.startsWith('W'));
  }
}

async function cardLink(ctx: Ctx, r: RequestRecord): Promise<string | undefined> {
  if (!r.card) return undefined;
  try {
    return (await ctx.slack.chat.getPermalink({ channel: r.card.channel, message_ts: r.card.ts })).permalink;
  } catch {
    return undefined;
  }
}

/** The warning, privately to each person it is for; a person Slack will not let LUNA message is logged and skipped. */
export async function sendWarning(ctx: Ctx, r: RequestRecord, target: SlaTarget, jobId: string): Promise<number> {
  const text = ctx.views.warning(r, target, await cardLink(ctx, r));
  let sent = 0;
  for (const user of await people(ctx, r)) {
    try {
      await dmOnce(ctx.slack, user, { jobId, part: `warn-${user}`, since: r.openedAt, text });
      sent++;
    } catch (err) {
      const code = slackErrorCode(err);
      if (code !== 'user_not_found' && code !== 'cannot_dm_bot' && code !== 'user_disabled') throw err;
      ctx.log.warn('could not warn a person about a request', { request: r.id, user, slackError: code });
    }
  }
  return sent;
}

/**
 * The breach, as a reply under the card naming the assignee (else the owners): those named are notified once.
 * `again`: an earlier attempt of this job may have posted it already; the card's thread says.
 */
export async function postBreach(
  ctx: Ctx,
  r: RequestRecord,
  target: SlaTarget,
  jobId: string,
  again: boolean,
): Promise<void> {
  const triage = r.card?.channel ?? ctx.settings.workspace.requests.triageChannel;
  if (!triage) return;
  if (again && r.card) {
    const thread = await readThread(ctx.slack, r.card.channel, r.card.ts);
    if (postedParts(thread, jobId).has('breach')) return;
  }
  const text = ctx.views.breach(r, target, recipients(ctx, r));
  await postPart(ctx.slack, {
    channel: triage,
    ...(r.card ? { threadTs: r.card.ts } : {}),
    jobId,
    part: 'breach',
    text,
  });
}

/** Told privately to the channel's owners when a request opens with nobody to assign it to. */
export async function tellOwnersUnassigned(ctx: Ctx, r: RequestRecord): Promise<void> {
  if (r.assigneeId) return;
  const text = ctx.views.unassigned(r, await cardLink(ctx, r));
  for (const user of await people(ctx, r)) {
    await dmOnce(ctx.slack, user, { jobId: `request-unassigned-${r.id}`, part: 'unassigned', since: r.openedAt, text });
  }
}
