// The lifecycle of a customer request as pure transitions: open, group a follow-up, first response, assign,
// priority, resolve, reopen, withdraw. Each returns a new record, or the very same object when nothing changes
// (a retried event, a click on a resolved request), so a caller can skip the save and card update (`next === record`).
import type { Priority } from '../config/requests.js';
import { firstWordsOf, isActive, requestId, startingPriority, type RequestRecord } from './requests.js';
import { schedule, type SlaPolicy } from './request-sla.js';

/*
 * The SLA clocks are in business time (`requests.hours`). Resolving pauses the resolution clock: a reopened
 * request keeps the business time it had spent, and its resolution is due when the rest of the target has
 * passed from the reopening. Resolving without a reply counts as the first response (the team acted).
 */

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
