import { z } from 'zod';
import type { Priority, SlaTarget } from '../config/requests.js';
import { truncate } from './text.js';

/**
 * A customer request (PRODUCT.md, Customer requests): the record LUNA keeps from the customer's first message
 * to its resolution, as stored and parsed on every read. Its transitions are in request-lifecycle.ts, its SLA
 * targets, due times and timers in request-sla.ts.
 */

const PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 } as const satisfies Record<Priority, number>;
/** Most urgent first. */
export const PRIORITY_ORDER = Object.keys(PRIORITY_RANK) as [Priority, ...Priority[]];
export const TARGET_LABEL = { firstResponse: 'first response', resolution: 'resolution' } as const satisfies Record<
  SlaTarget,
  string
>;
export const TARGETS = Object.keys(TARGET_LABEL) as [SlaTarget, ...SlaTarget[]];

export const REQUEST_STATUSES = ['open', 'first-responded', 'resolved', 'reopened', 'withdrawn'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
/** Statuses whose clocks run: the request is waiting on the team. */
const ACTIVE: ReadonlySet<RequestStatus> = new Set(['open', 'first-responded', 'reopened']);

/** How a request came to be: a model's reading (`ai`), every top-level message (`every`), or someone's reaction. */
export const OPENED_VIA = ['ai', 'every', 'reaction'] as const;
export const ASSIGNED_VIA = ['reaction', 'button', 'owner'] as const;

const At = z.number().int().nonnegative();
const PerTarget = z.object({ firstResponse: At, resolution: At });
const TargetList = z.array(z.enum(TARGETS));
const Ts = z.string().regex(/^\d+\.\d+$/);

/** The stored record; JSON in Redis, parsed with this schema on every read. Times are epoch ms. */
export const RequestRecord = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  accountId: z.string().optional(),
  accountName: z.string().optional(),
  channel: z.string().min(1),
  /** The message that opened it; `threadTs` is where its conversation (and first response) happens. */
  messageTs: Ts,
  threadTs: Ts,
  /** Later top-level messages of the same customer, grouped into it. */
  followUps: z.array(Ts).default([]),
  askerId: z.string().min(1),
  /** The opening message's text, shortened and with Slack markup made plain (rendered escaped). */
  firstWords: z.string(),
  priority: z.enum(PRIORITY_ORDER),
  via: z.enum(OPENED_VIA),
  assigneeId: z.string().optional(),
  assignedVia: z.enum(ASSIGNED_VIA).optional(),
  status: z.enum(REQUEST_STATUSES),
  openedAt: At,
  lastCustomerAt: At,
  firstResponseAt: At.optional(),
  firstResponderId: z.string().optional(),
  resolvedAt: At.optional(),
  resolvedBy: z.string().optional(),
  reopenedAt: At.optional(),
  reopens: z.number().int().nonnegative().default(0),
  withdrawnAt: At.optional(),
  /** Business ms from opening to the first response. */
  firstResponseMs: z.number().nonnegative().optional(),
  /** Business ms the request was open, all open periods together; set while it is resolved. */
  resolutionMs: z.number().nonnegative().optional(),
  /** Business ms of the open periods before the last reopening. */
  resolutionSpentMs: z.number().nonnegative().default(0),
  due: PerTarget,
  warn: PerTarget,
  warned: TargetList.default([]),
  breached: TargetList.default([]),
  /** The triage card, once posted. */
  card: z.object({ channel: z.string(), ts: Ts }).optional(),
  /** Link to the request's message (its thread). */
  permalink: z.string().optional(),
  /** LUNA's private draft reply for this request: each reviewer's copy (a DM with LUNA) and its link. */
  draft: z.object({ copies: z.array(z.object({ user: z.string(), link: z.string().optional() })) }).optional(),
  updatedAt: At,
});
export type RequestRecord = z.infer<typeof RequestRecord>;
/** One request per opening message: a Slack retry or a second worker builds the same id. */
export function requestId(channel: string, messageTs: string): string {
  return `${channel}-${messageTs}`;
}

export function isActive(r: Pick<RequestRecord, 'status'>): boolean {
  return ACTIVE.has(r.status);
}

/** The priority a request of an account on `plan` starts at: `priorityByPlan` (plans matched case-insensitively), else normal. */
export function startingPriority(plan: string | undefined, byPlan: Readonly<Record<string, Priority>>): Priority {
  const wanted = plan?.trim().toLowerCase();
  if (!wanted) return 'normal';
  const hit = Object.entries(byPlan).find(([p]) => p.trim().toLowerCase() === wanted);
  return hit?.[1] ?? 'normal';
}

/** At most this many characters of the opening message are kept (the card shows them, escaped). */
export const FIRST_WORDS_MAX = 200;

/**
 * The first words of a message as plain text: mentions, channel links and URLs in Slack's markup become what a
 * reader sees (`@user`, `#channel`, the link's label), whitespace collapses, and the rest is cut at a word.
 */
export function firstWordsOf(text: string, max = FIRST_WORDS_MAX): string {
  const plain = text
    .replace(/<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g, (_, _id: string, label?: string) => `@${label || 'someone'}`)
    .replace(/<#[CG][A-Z0-9]+(?:\|([^>]*))?>/g, (_, label?: string) => `#${label || 'channel'}`)
    .replace(/<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>/g, (_, label?: string) =>
      label ? `@${label.replace(/^@/, '')}` : '@group',
    )
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<!date\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2')
    .replace(/<([^>]+)>/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  return truncate(plain, max);
}
