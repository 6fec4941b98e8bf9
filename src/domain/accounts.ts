import type { BookAccount } from '../config/account-book.js';
import type { Organisation } from './audience.js';
import { slug } from './text.js';

/**
 * Accounts: the customer organisations LUNA knows. Each Slack Connect channel's other organisation is one
 * (by its team id and name), and so is each row of the account book; a book row and an organisation are the
 * same account when the row names the channel, the team id, or (failing both) the organisation's name.
 * Pure: who reads a channel comes from the directory, the book from config.
 */
export interface Account {
  /** Stable key for the account's memory: `t-<team id>` when a team id is known, else `n-<slug of the name>`. */
  id: string;
  name: string;
  teamId?: string | undefined;
  /** The account book's row, when the book has one. */
  book?: BookAccount | undefined;
}

export function accountId(name: string, teamId?: string): string {
  return teamId ? `t-${teamId}` : `n-${slug(name) || 'account'}`;
}

export function fromBook(row: BookAccount): Account {
  return {
    id: accountId(row.name, row.teamId),
    name: row.name,
    ...(row.teamId ? { teamId: row.teamId } : {}),
    book: row,
  };
}

/** What is known about a channel when asking which account it belongs to. */
export interface ChannelPlace {
  channel: string;
  /** The channel's name without `#`, when Slack said it. */
  name?: string | undefined;
  /** Other organisations that read it (Slack Connect). */
  customers: readonly Organisation[];
}

/**
 * The account a channel is about: a book row listing the channel (id or name); else `accounts.channels`
 * (internal channels, by account name); else the channel's other organisation, matched to a book row by
 * team id or name, or standing on its own. Undefined for a channel about no account.
 */
export function accountForChannel(
  place: ChannelPlace,
  book: readonly BookAccount[],
  configured: Readonly<Record<string, string>>,
): Account | undefined {
  const name = place.name?.toLowerCase();
  const listed = book.find((a) =>
    a.channels.some((c) => c === place.channel || (name !== undefined && c.toLowerCase() === name)),
  );
  if (listed) return fromBook(listed);
  const named = configured[place.channel];
  if (named) {
    const row = book.find((a) => a.name.toLowerCase() === named.toLowerCase());
    return row ? fromBook(row) : { id: accountId(named), name: named };
  }
  const org = place.customers[0];
  if (!org) return undefined;
  const row =
    book.find((a) => a.teamId === org.id) ??
    book.find((a) => !a.teamId && a.name.toLowerCase() === org.name.toLowerCase());
  return row ? fromBook(row) : { id: accountId(org.name, org.id), name: org.name, teamId: org.id };
}

const DAY_MS = 86_400_000;

/** Whole days from `now` to a `YYYY-MM-DD` date (negative when it has passed). */
export function daysUntil(date: string, now: number): number {
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  return Math.round((Date.parse(`${date}T00:00:00Z`) - today) / DAY_MS);
}

export type HealthRisk = 'high' | 'medium' | 'low' | 'unknown';

/**
 * A book's health as a risk level: CRMs export a score (0–100, or 0–10) or a label (Red/Amber/Green,
 * "At risk", "Healthy"…). Unknown words are `unknown`, never guessed.
 */
export function healthRisk(health: string | undefined): HealthRisk {
  const h = health?.trim().toLowerCase();
  if (!h) return 'unknown';
  const n = Number(h.replace(/%$/, ''));
  if (Number.isFinite(n)) {
    const pct = n <= 10 ? n * 10 : n;
    return pct < 50 ? 'high' : pct < 75 ? 'medium' : 'low';
  }
  if (/\b(red|poor|bad|critical|at[\s_-]?risk|churn|unhealthy|low)\b/.test(h)) return 'high';
  if (/\b(amber|yellow|orange|fair|medium|watch|warning|neutral|ok)\b/.test(h)) return 'medium';
  if (/\b(green|good|healthy|great|high|strong|excellent)\b/.test(h)) return 'low';
  return 'unknown';
}

export const SIGNAL_KINDS = ['frustration', 'churn_risk', 'expansion_interest', 'advocacy'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

export const SIGNAL_LABELS: Record<SignalKind, string> = {
  frustration: 'Frustration',
  churn_risk: 'Churn risk',
  expansion_interest: 'Expansion interest',
  advocacy: 'Advocacy',
};

/** What LUNA remembers about an account that bears on its risk (aggregates, no message text). */
export interface AccountState {
  account: Account;
  /** Escalations not yet closed, and of them those nobody acknowledged. */
  openEscalations: number;
  unacknowledged: number;
  latestSignal?: { kind: SignalKind; confidence: number; at: number } | undefined;
  /** A channel to link to: the book's first channel id, or one LUNA saw the account in. */
  channel?: string | undefined;
}

export interface RiskRow extends AccountState {
  score: number;
  reasons: string[];
}

const SIGNAL_WINDOW_DAYS = 30;

/**
 * Why an account is at risk, as points: poor health, escalations still open, a churn-risk or frustration
 * signal in the last 30 days, a renewal within 90 days. Churned accounts are past risk and left out.
 */
export function riskOf(s: AccountState, now: number): RiskRow {
  const reasons: string[] = [];
  let score = 0;
  const add = (points: number, reason: string) => {
    score += points;
    reasons.push(reason);
  };
  const book = s.account.book;
  const health = healthRisk(book?.health);
  if (health === 'high') add(3, 'poor health');
  else if (health === 'medium') add(1.5, 'health to watch');
  if (s.unacknowledged > 0) add(2.5, 'unacknowledged escalation');
  else if (s.openEscalations > 0) add(1.5, 'open escalation');
  const sig = s.latestSignal;
  if (sig && now - sig.at <= SIGNAL_WINDOW_DAYS * DAY_MS) {
    if (sig.kind === 'churn_risk') add(3 * sig.confidence, 'churn-risk signal');
    else if (sig.kind === 'frustration') add(1.5 * sig.confidence, 'frustration signal');
  }
  if (book?.renewalDate && score > 0) {
    const days = daysUntil(book.renewalDate, now);
    if (days >= 0 && days <= 30) add(2, 'renewal within 30 days');
    else if (days >= 0 && days <= 90) add(1, 'renewal within 90 days');
  }
  return { ...s, score: Math.round(score * 100) / 100, reasons };
}

const CARE_REASONS = new Set([
  'poor health',
  'unacknowledged escalation',
  'open escalation',
  'churn-risk signal',
  'frustration signal',
]);

/**
 * Whether an answer the customer reads directly should take extra care: poor health, an escalation still open, or
 * a churn-risk or frustration signal in the last 30 days. Only yes or no reaches the model, never why.
 */
export function wantsExtraCare(s: AccountState, now: number): boolean {
  return riskOf(s, now).reasons.some((r) => CARE_REASONS.has(r));
}

/** Accounts with any risk, riskiest first (ties: sooner renewal first, then name). */
export function accountsAtRisk(states: readonly AccountState[], now: number, limit = 10): RiskRow[] {
  return states
    .filter((s) => s.account.book?.status !== 'churned')
    .map((s) => riskOf(s, now))
    .filter((r) => r.score > 0)
    .sort(
      (a, b) =>
        b.score - a.score ||
        (a.account.book?.renewalDate ?? '9999').localeCompare(b.account.book?.renewalDate ?? '9999') ||
        a.account.name.localeCompare(b.account.name),
    )
    .slice(0, limit);
}

/** Retention over renewals that fell in the period: renewed (or still active) vs churned. */
export interface Retention {
  retained: number;
  churned: number;
  /** Whole percent, null when no renewal fell in the period. */
  rate: number | null;
  periodDays: number;
}

/**
 * Accounts whose renewal date fell within the last `periodDays` (up to today): `renewed` or `active` count
 * as retained, `churned` as lost. A churned account without a renewal date counts when its status date is in
 * the period. Accounts without a status are not counted (nobody said how the renewal went).
 */
export function retention(book: readonly BookAccount[], now: number, periodDays = 365): Retention {
  let retained = 0;
  let churned = 0;
  const inPeriod = (d: string | undefined) =>
    d !== undefined && daysUntil(d, now) <= 0 && daysUntil(d, now) > -periodDays;
  for (const a of book) {
    const due = inPeriod(a.renewalDate) || (!a.renewalDate && a.status === 'churned' && inPeriod(a.statusDate));
    if (!due || !a.status) continue;
    if (a.status === 'churned') churned++;
    else retained++;
  }
  const total = retained + churned;
  return { retained, churned, rate: total ? Math.round((retained / total) * 100) : null, periodDays };
}

/** Milestones done of milestones planned, over accounts that are not churned and list both. */
export function milestones(book: readonly BookAccount[]): {
  done: number;
  total: number;
  accounts: number;
  rate: number | null;
} {
  let done = 0;
  let total = 0;
  let accounts = 0;
  for (const a of book) {
    if (a.status === 'churned' || a.milestonesTotal === undefined || a.milestonesDone === undefined) continue;
    done += a.milestonesDone;
    total += a.milestonesTotal;
    accounts++;
  }
  return { done, total, accounts, rate: total ? Math.round((done / total) * 100) : null };
}

/** `$120,000`: ARR as the brief and the Home tab print it (the book has no currency column; dollars are assumed). */
export function money(n: number): string {
  return `$${Math.round(n).toLocaleString('en-US')}`;
}

/** Whether `signals.channels` (`all`, `none` or a list) includes this channel. */
export function readsSignals(channels: 'all' | 'none' | readonly string[], channel: string): boolean {
  if (channels === 'all') return true;
  if (channels === 'none') return false;
  return channels.includes(channel);
}
