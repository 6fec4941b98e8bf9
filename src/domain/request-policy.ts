import type { Priority, RequestsConfig, SlaTarget } from '../config/requests.js';
import { PRIORITY_ORDER, type RequestRecord } from './requests.js';

/**
 * Who and what counts for customer requests (PRODUCT.md, Customer requests): which channels are read, what a
 * reaction means, who is of another organisation, whom a warning or a breach names. Pure: the jobs gather the
 * facts (Slack's ids, the directory's answers) and ask here.
 */

/** Whether `requests.channels` reads this channel (`all` leaves it to the audience check: customer channels only). */
export function tracksRequests(channels: RequestsConfig['channels'], channel: string): boolean {
  if (channels === 'all') return true;
  if (channels === 'none') return false;
  return channels.includes(channel);
}

/** Whether requests are on at all. */
export function requestsOn(cfg: Pick<RequestsConfig, 'channels'>): boolean {
  return cfg.channels === 'all' || (Array.isArray(cfg.channels) && cfg.channels.length > 0);
}

export type RequestReactionKind = 'request' | 'assign' | 'urgent' | 'resolved';

/** Skin tones arrive as `eyes::skin-tone-2`: the same reaction. */
const base = (emoji: string) => emoji.split('::')[0];

/** What a reaction means for requests, or undefined when it is none of the configured ones. */
export function requestReactionKind(
  cfg: Pick<RequestsConfig, 'requestReaction' | 'assignReaction' | 'urgentReaction'>,
  resolvedReaction: string,
  reaction: string,
): RequestReactionKind | undefined {
  const r = base(reaction);
  if (r === base(cfg.requestReaction)) return 'request';
  if (r === base(cfg.assignReaction)) return 'assign';
  if (r === base(cfg.urgentReaction)) return 'urgent';
  if (r === base(resolvedReaction)) return 'resolved';
  return undefined;
}

/** The more urgent of two priorities (the plan's and the model's reading). */
export function moreUrgent(a: Priority, b: Priority | undefined): Priority {
  if (!b) return a;
  return PRIORITY_ORDER.indexOf(b) < PRIORITY_ORDER.indexOf(a) ? b : a;
}

/** The targets of a priority as written in the config (`30m`, `4h`), shown on the card beside the due times. */
export function targetTexts(cfg: Pick<RequestsConfig, 'sla'>, priority: Priority): Record<SlaTarget, string> {
  return { firstResponse: cfg.sla[priority].firstResponse.text, resolution: cfg.sla[priority].resolution.text };
}

/** Who a warning or a breach is for: the assignee, else the channel's owners. */
export function whoToTell(r: Pick<RequestRecord, 'assigneeId'>, channelOwners: readonly string[]): string[] {
  return r.assigneeId ? [r.assigneeId] : [...new Set(channelOwners)];
}

/**
 * `detection: ai` reads candidates in short windows across every channel: the first candidate opens a window, which
 * is read when it is DETECT_WINDOW_MS old or holds DETECT_BATCH_MAX messages (one call per DETECT_BATCH_MAX). A
 * request's clock starts at its message's own time, so the wait costs the SLA nothing. Per-channel windows would
 * batch nothing when traffic spreads over many channels (50 messages a second over 200 channels is one message per
 * channel every four seconds).
 */
export const DETECT_WINDOW_MS = 3_000;
export const DETECT_BATCH_MAX = 20;

/** The key the detection windows live under in the batching store (beside signals' accounts, never one of them). */
export const DETECTION_WINDOW_KEY = 'requests-detection';

/** Slack's `ts` as epoch ms: when the message was sent. */
export function tsMillis(ts: string): number {
  return Math.round(Number(ts) * 1000);
}
