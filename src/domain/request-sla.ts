// SLA maths of a customer request: the policy from `requests:` config, due and warning times of both targets
// (in business time), and the warnings and breaches those times become (timers), when they fire and are noted.
import type { Priority, RequestsConfig, SlaTarget } from '../config/requests.js';
import { businessClock, type BusinessClock } from './business-time.js';
import { TARGETS, type RequestRecord } from './requests.js';

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
/**
 * Due and warning times of both targets at the record's priority. First response counts from the opening;
 * resolution from the last (re)opening, less the business time already spent.
 */
export function schedule(
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
