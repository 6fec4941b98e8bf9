import type { SlaTarget } from '../config/requests.js';
import { DASHBOARD_WEEKS, weekStarts } from './dashboard.js';
import { TARGETS, isActive, type RequestRecord } from './requests.js';
import { nextDue, targetMet } from './request-sla.js';

/**
 * The App Home's request figures, from request records alone: pure, so every number the Home tab shows can be
 * tested without Slack or Redis. Times are business time where PRODUCT.md says so (first response, resolution);
 * ages are plain elapsed time.
 */

export interface Spread {
  /** Business ms; null without data. Nearest-rank percentiles: every figure is one request's real time. */
  median: number | null;
  p90: number | null;
  count: number;
}

export interface Attainment {
  /** Requests whose target was met in time. */
  met: number;
  /** Requests whose target is decided: met, or its due time has passed. */
  decided: number;
  /** Whole percent; null when nothing is decided yet. */
  percent: number | null;
}

export interface RequestFigures {
  now: number;
  weeks: number;
  /** Start of the first week counted (Monday 00:00 UTC). */
  since: number;
  opened: number;
  /** Requests opened per week, oldest first. */
  openedPerWeek: number[];
  firstResponse: Spread;
  resolution: Spread;
  attainment: Record<SlaTarget, Attainment>;
  /** Open now (open, first-responded or reopened), and how many of those breached a target. */
  open: number;
  openBreached: number;
  openByAge: Array<{ label: string; count: number }>;
  /** Accounts with the most open requests, most first (ties by name), at most five. */
  topAccounts: Array<{ account: string; open: number; breached: number }>;
}

const HOUR = 3_600_000;
const AGE_BUCKETS: Array<{ label: string; below: number }> = [
  { label: 'under 4 hours', below: 4 * HOUR },
  { label: '4–24 hours', below: 24 * HOUR },
  { label: '1–3 days', below: 72 * HOUR },
  { label: '3–7 days', below: 168 * HOUR },
  { label: 'over a week', below: Number.POSITIVE_INFINITY },
];
export const TOP_ACCOUNTS = 5;
/** Requests of a channel LUNA knows no account for are counted under this name. */
export const NO_ACCOUNT = 'No account';

/**
 * Figures over the last `weeks` UTC weeks (this one included). `records`: every request opened in that time and
 * every request open now (the two may overlap; each id counts once). Withdrawn requests count for nothing.
 */
export function requestFigures(
  records: readonly RequestRecord[],
  now: number,
  weeks = DASHBOARD_WEEKS,
): RequestFigures {
  const unique = [...new Map(records.map((r) => [r.id, r])).values()].filter((r) => r.status !== 'withdrawn');
  const starts = weekStarts(weeks, now);
  const since = starts[0]!;
  const inWindow = unique.filter((r) => r.openedAt >= since && r.openedAt <= now);
  const active = unique.filter(isActive);

  const openedPerWeek = starts.map(
    (s, i) =>
      inWindow.filter((r) => r.openedAt >= s && r.openedAt < (starts[i + 1] ?? Number.POSITIVE_INFINITY)).length,
  );
  const firstResponses = unique
    .filter((r) => r.firstResponseAt !== undefined && r.firstResponseAt >= since)
    .map((r) => r.firstResponseMs ?? 0);
  const resolutions = unique
    .filter((r) => r.status === 'resolved' && (r.resolvedAt ?? 0) >= since)
    .map((r) => r.resolutionMs ?? 0);

  const attainment = Object.fromEntries(TARGETS.map((t) => [t, attained(inWindow, t, now)])) as Record<
    SlaTarget,
    Attainment
  >;

  const byAccount = new Map<string, { open: number; breached: number }>();
  for (const r of active) {
    const name = r.accountName ?? NO_ACCOUNT;
    const row = byAccount.get(name) ?? { open: 0, breached: 0 };
    row.open += 1;
    if (r.breached.length) row.breached += 1;
    byAccount.set(name, row);
  }
  const topAccounts = [...byAccount.entries()]
    .map(([account, v]) => ({ account, ...v }))
    .sort((a, b) => b.open - a.open || a.account.localeCompare(b.account))
    .slice(0, TOP_ACCOUNTS);

  return {
    now,
    weeks,
    since,
    opened: inWindow.length,
    openedPerWeek,
    firstResponse: spread(firstResponses),
    resolution: spread(resolutions),
    attainment,
    open: active.length,
    openBreached: active.filter((r) => r.breached.length > 0).length,
    openByAge: AGE_BUCKETS.map((b, i) => ({
      label: b.label,
      count: active.filter((r) => now - r.openedAt < b.below && now - r.openedAt >= (AGE_BUCKETS[i - 1]?.below ?? 0))
        .length,
    })),
    topAccounts,
  };
}

/**
 * A target is met when it was done by its due time (first reply, or resolution); missed when its due time passed
 * first. A request still inside its target is not decided yet and counts for neither.
 */
function attained(records: readonly RequestRecord[], target: SlaTarget, now: number): Attainment {
  let met = 0;
  let decided = 0;
  for (const r of records) {
    const doneAt = target === 'firstResponse' ? r.firstResponseAt : r.status === 'resolved' ? r.resolvedAt : undefined;
    const due = r.due[target];
    if (doneAt !== undefined) {
      decided += 1;
      if (doneAt <= due) met += 1;
    } else if (now >= due && !targetMet(r, target)) {
      decided += 1;
    }
  }
  return { met, decided, percent: decided ? Math.round((met / decided) * 100) : null };
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => (sorted.length ? sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]! : null);
  return { median: rank(0.5), p90: rank(0.9), count: sorted.length };
}

/** One row of "Your requests". */
export interface YourRequest {
  id: string;
  account: string;
  firstWords: string;
  priority: RequestRecord['priority'];
  status: RequestRecord['status'];
  /** The soonest due time of a target still running, and which target. */
  dueAt: number;
  target: SlaTarget;
  overdue: boolean;
  permalink?: string | undefined;
  card?: RequestRecord['card'];
}

/** A team member's open requests, soonest due first. */
export function yourRequests(records: readonly RequestRecord[], userId: string, now: number): YourRequest[] {
  return records
    .filter((r) => isActive(r) && r.assigneeId === userId)
    .map((r) => {
      const target: SlaTarget = targetMet(r, 'firstResponse') ? 'resolution' : 'firstResponse';
      const dueAt = nextDue(r);
      return {
        id: r.id,
        account: r.accountName ?? NO_ACCOUNT,
        firstWords: r.firstWords,
        priority: r.priority,
        status: r.status,
        dueAt,
        target,
        overdue: dueAt <= now,
        permalink: r.permalink,
        card: r.card,
      };
    })
    .sort((a, b) => a.dueAt - b.dueAt || a.id.localeCompare(b.id));
}

/** Business time as a CS lead reads it: minutes below 90, then hours (one decimal below ten). */
export function businessDuration(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 90) return `${Math.max(0, Math.round(minutes))} min`;
  const hours = minutes / 60;
  return hours < 10 ? `${hours.toFixed(1)} h` : `${Math.round(hours)} h`;
}
