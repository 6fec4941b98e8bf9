import { z } from 'zod';
import type { Priority, RequestsConfig, SlaTarget } from '../config/requests.js';
import { businessClock, type BusinessClock } from './business-time.js';
import { truncate } from './text.js';

/**
 * A customer request (PRODUCT.md, Customer requests): the record LUNA keeps from the customer's first message
 * to its resolution, and every change to it as a pure function. Each transition returns a new record, or the
 * very same object when nothing changes (a retried event, a click on a resolved request), so a caller can
 * skip the save and the card update with `next === record`.
 *
 * The SLA clocks are in business time (`requests.hours`). Resolving pauses the resolution clock: a reopened
 * request keeps the business time it had spent, and its resolution is due when the rest of the target has
 * passed from the reopening. Resolving without a reply counts as the first response (the team acted).
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
  updatedAt: At,
});
export type RequestRecord = z.infer<typeof RequestRecord>;

/** The SLA side of `requests:`, ready to compute with. */
export interface SlaPolicy {
  clock: BusinessClock;
  warnAt: number;
  groupMs: number;
  /** Business ms of a target at a priority. */
  targetMs(priority: Priority, target: SlaTarget): number;
  priorityByPlan: Readonly<Record<string, Priority>>;
}

export function slaPolicy(
  cfg: Pick<RequestsConfig, 'hours' | 'sla' | 'warnAt' | 'groupMinutes' | 'priorityByPlan'>,
): SlaPolicy {
  const clock = businessClock(cfg.hours);
  return {
    clock,
    warnAt: cfg.warnAt,
    groupMs: cfg.groupMinutes * 60_000,
    targetMs: (priority, target) => clock.durationMs(cfg.sla[priority][target]),
    priorityByPlan: cfg.priorityByPlan,
  };
}

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

export interface OpenInput {
  channel: string;
  messageTs: string;
  /** The message's thread; its own ts for a top-level message. */
  threadTs?: string | undefined;
  askerId: string;
  text: string;
  at: number;
  via: RequestRecord['via'];
  account?: { id: string; name: string; plan?: string | undefined; owner?: string | undefined } | undefined;
  /** A priority decided at opening (the model's reading in `ai` mode); else the plan's, else normal. */
  priority?: Priority | undefined;
}

/** A new request, assigned to the account's owner when the account book names one. */
export function openRequest(i: OpenInput, p: SlaPolicy): RequestRecord {
  const priority = i.priority ?? startingPriority(i.account?.plan, p.priorityByPlan);
  const base: Omit<RequestRecord, 'due' | 'warn'> = {
    v: 1,
    id: requestId(i.channel, i.messageTs),
    ...(i.account ? { accountId: i.account.id, accountName: i.account.name } : {}),
    channel: i.channel,
    messageTs: i.messageTs,
    threadTs: i.threadTs ?? i.messageTs,
    followUps: [],
    askerId: i.askerId,
    firstWords: firstWordsOf(i.text),
    priority,
    via: i.via,
    ...(i.account?.owner ? { assigneeId: i.account.owner, assignedVia: 'owner' as const } : {}),
    status: 'open',
    openedAt: i.at,
    lastCustomerAt: i.at,
    reopens: 0,
    resolutionSpentMs: 0,
    warned: [],
    breached: [],
    updatedAt: i.at,
  };
  return { ...base, ...schedule(base, p) };
}

/** Whether the asker's top-level message at `at` belongs to this request: it is still open and within groupMinutes of their last one. */
export function canGroup(r: RequestRecord, at: number, p: Pick<SlaPolicy, 'groupMs'>): boolean {
  // Either order: two messages sent moments apart may reach LUNA the other way round.
  return isActive(r) && p.groupMs > 0 && Math.abs(at - r.lastCustomerAt) <= p.groupMs;
}

/** A follow-up top-level message joins the request; undefined when it cannot (open a new request instead). */
export function groupFollowUp(
  r: RequestRecord,
  m: { ts: string; at: number },
  p: Pick<SlaPolicy, 'groupMs'>,
): RequestRecord | undefined {
  if (m.ts === r.messageTs || r.followUps.includes(m.ts)) return r;
  if (!canGroup(r, m.at, p)) return undefined;
  return {
    ...r,
    followUps: [...r.followUps, m.ts],
    lastCustomerAt: Math.max(r.lastCustomerAt, m.at),
    updatedAt: Math.max(r.updatedAt, m.at),
  };
}

/**
 * The team's first reply in the thread (the caller has checked it is a person of the team, not a bot). Later
 * replies change nothing.
 */
export function respond(r: RequestRecord, a: { by: string; at: number }, p: SlaPolicy): RequestRecord {
  if (!isActive(r) || r.firstResponseAt !== undefined) return r;
  const at = Math.max(a.at, r.openedAt);
  return {
    ...r,
    status: r.status === 'open' ? 'first-responded' : r.status,
    firstResponseAt: at,
    firstResponderId: a.by,
    firstResponseMs: p.clock.measure(r.openedAt, at),
    updatedAt: a.at,
  };
}

export function assign(
  r: RequestRecord,
  a: { assignee: string; via: NonNullable<RequestRecord['assignedVia']>; at: number },
): RequestRecord {
  if (r.status === 'withdrawn' || (r.assigneeId === a.assignee && r.assignedVia === a.via)) return r;
  return { ...r, assigneeId: a.assignee, assignedVia: a.via, updatedAt: a.at };
}

/** A new priority moves the due times of the targets still running (and the warnings with them). */
export function setPriority(r: RequestRecord, priority: Priority, at: number, p: SlaPolicy): RequestRecord {
  if (r.priority === priority || r.status === 'withdrawn') return r;
  const next = { ...r, priority, updatedAt: at };
  return { ...next, ...schedule(next, p) };
}

export function resolve(r: RequestRecord, a: { by: string; at: number }, p: SlaPolicy): RequestRecord {
  if (!isActive(r)) return r;
  const at = Math.max(a.at, r.openedAt);
  const responded = r.firstResponseAt === undefined ? respond(r, a, p) : r;
  const cycleStart = r.reopenedAt ?? r.openedAt;
  return {
    ...responded,
    status: 'resolved',
    resolvedAt: at,
    resolvedBy: a.by,
    resolutionMs: r.resolutionSpentMs + p.clock.measure(cycleStart, at),
    updatedAt: a.at,
  };
}

/** A customer wrote in the thread of a resolved request: it is open again, its resolution clock running on from where it stopped. */
export function reopen(r: RequestRecord, at: number, p: SlaPolicy): RequestRecord {
  if (r.status !== 'resolved' || at < (r.resolvedAt ?? 0)) return r;
  const { resolvedAt: _r, resolvedBy: _b, resolutionMs, ...rest } = r;
  const next: RequestRecord = {
    ...rest,
    status: 'reopened',
    reopenedAt: at,
    reopens: r.reopens + 1,
    resolutionSpentMs: resolutionMs ?? r.resolutionSpentMs,
    lastCustomerAt: at,
    updatedAt: at,
  };
  return { ...next, ...schedule(next, p) };
}

/** The request's message was deleted: it is closed as withdrawn (no clock, no card buttons). */
export function withdraw(r: RequestRecord, at: number): RequestRecord {
  if (r.status === 'withdrawn') return r;
  return { ...r, status: 'withdrawn', withdrawnAt: at, updatedAt: at };
}

/**
 * Due and warning times of both targets at the record's priority. First response counts from the opening;
 * resolution from the last (re)opening, less the business time already spent.
 */
function schedule(
  r: Pick<RequestRecord, 'priority' | 'openedAt' | 'reopenedAt' | 'resolutionSpentMs'>,
  p: SlaPolicy,
): Pick<RequestRecord, 'due' | 'warn'> {
  const fr = p.targetMs(r.priority, 'firstResponse');
  const res = p.targetMs(r.priority, 'resolution');
  const start = r.reopenedAt ?? r.openedAt;
  const spent = r.resolutionSpentMs;
  return {
    due: { firstResponse: p.clock.add(r.openedAt, fr), resolution: p.clock.add(start, Math.max(0, res - spent)) },
    warn: {
      firstResponse: p.clock.add(r.openedAt, Math.round(fr * p.warnAt)),
      resolution: p.clock.add(start, Math.max(0, Math.round(res * p.warnAt) - spent)),
    },
  };
}

/** One warning or breach of one request's target, due at `at`. */
export interface RequestTimer {
  requestId: string;
  target: SlaTarget;
  kind: 'warn' | 'breach';
  at: number;
}

/** Whether a target is done with: answered (first response) or resolved; a withdrawn request has no targets left. */
export function targetMet(r: RequestRecord, target: SlaTarget): boolean {
  if (r.status === 'withdrawn' || r.status === 'resolved') return true;
  return target === 'firstResponse' && r.firstResponseAt !== undefined;
}

/** The warnings and breaches still to come for a request, soonest first. */
export function timersOf(r: RequestRecord): RequestTimer[] {
  const out: RequestTimer[] = [];
  for (const target of TARGETS) {
    if (targetMet(r, target)) continue;
    if (!r.warned.includes(target) && !r.breached.includes(target))
      out.push({ requestId: r.id, target, kind: 'warn', at: r.warn[target] });
    if (!r.breached.includes(target)) out.push({ requestId: r.id, target, kind: 'breach', at: r.due[target] });
  }
  return out.sort((a, b) => a.at - b.at);
}

/**
 * What a timer that came due should do with the record as it is now: `fire`, or `stale` when the target was met,
 * the request closed, the timer already fired, or its time moved (a new priority: the timer of the new time fires
 * instead). `early` when its time has not come (a clock that runs ahead of Redis's, a timer moved later and back).
 */
export function timerVerdict(
  r: RequestRecord | undefined,
  t: Pick<RequestTimer, 'target' | 'kind' | 'at'>,
  now: number,
): 'fire' | 'stale' | 'early' {
  if (!r || targetMet(r, t.target)) return 'stale';
  const at = t.kind === 'warn' ? r.warn[t.target] : r.due[t.target];
  const done =
    t.kind === 'warn' ? r.warned.includes(t.target) || r.breached.includes(t.target) : r.breached.includes(t.target);
  if (done || at !== t.at) return 'stale';
  return at > now ? 'early' : 'fire';
}

/** Records that a warning or breach was sent. */
export function markFired(r: RequestRecord, t: Pick<RequestTimer, 'target' | 'kind'>, at: number): RequestRecord {
  const list = t.kind === 'warn' ? r.warned : r.breached;
  if (list.includes(t.target)) return r;
  return t.kind === 'warn'
    ? { ...r, warned: [...r.warned, t.target], updatedAt: at }
    : { ...r, breached: [...r.breached, t.target], updatedAt: at };
}

/** The soonest due time of a target still running: how "Your requests" sorts. Infinity when none runs. */
export function nextDue(r: RequestRecord): number {
  const running = TARGETS.filter((t) => !targetMet(r, t)).map((t) => r.due[t]);
  return running.length ? Math.min(...running) : Number.POSITIVE_INFINITY;
}
