import type { RiskRow, Retention } from './accounts.js';

// The App Home dashboard as numbers: what LUNA recorded (weekly aggregates, never message text), the weeks
// it covers and the shares it shows. Pure, so every figure the Home tab shows can be tested without Slack;
// kpi-readings.ts judges them against the persona's targets.

/** Weekly aggregates are kept this many weeks, then expire; the dashboard never shows more. */
export const RETENTION_WEEKS = 10;
/** Weeks the dashboard and its chart look back over, this week included. */
export const DASHBOARD_WEEKS = 8;
const WEEK_MS = 7 * 86_400_000;

export interface WeekFigures {
  /** ISO week, e.g. `2026-W47`. */
  week: string;
  /** Monday 00:00 UTC of that week (epoch ms). */
  startsAt: number;
  /** Mean estimated CSAT of the week's digests (1–5), null without digests. */
  csat: number | null;
  escalations: number;
}

/** Everything the dashboard shows, as recorded; sums are over the last DASHBOARD_WEEKS weeks. */
export interface Figures {
  now: number;
  weeks: WeekFigures[];
  csat: { value: number | null; count: number };
  actionItems: { created: number; done: number };
  escalations: {
    open: number;
    overdue: number;
    opened: number;
    acknowledged: number;
    notStrategic: number;
    reassigned: number;
    medianMinutesToAcknowledge: number | null;
  };
  /** Answers LUNA kept (assessed as routine) and escalations it opened. */
  conversations: { handled: number; escalated: number };
  thisWeek: { answers: number; digests: number; escalationsOpened: number };
  /** Feedback-button votes on answers per week (oldest first), each person counted once per answer. */
  feedback: Array<{ positive: number; negative: number }>;
  /** Without an `escalation:` section nothing is assessed, so the handled/escalated split does not exist. */
  escalationConfigured: boolean;
  /** CSAT measured from survey responses over the same weeks (absent: not gathered). */
  csatMeasured?: MeasuredCsat | undefined;
  /** What the account book and account memory say (absent: not gathered). */
  accounts?: AccountFigures | undefined;
  /** Today's use against the limits (absent: not gathered). */
  usage?: UsageFigures | undefined;
}

/** Today's (UTC) use against `limits:`: the viewer's own mentions, and the tokens spent for each other organisation. */
export interface UsageFigures {
  mine: number;
  perDay: number;
  perMinute: number;
  organisations: Array<{ name: string; tokens: number }>;
  organisationBudget: number;
}

/** Survey responses: `responses` votes on `responded` of `surveys` surveys posted, averaging `average` (1–5). */
export interface MeasuredCsat {
  surveys: number;
  responded: number;
  responses: number;
  average: number | null;
  lastAt: number | null;
}

export interface AccountFigures {
  /** Whether an account book (LUNA_ACCOUNTS) is loaded. */
  book: boolean;
  /** Whether `csat.enabled` is on (surveys are posted). */
  surveysOn: boolean;
  retention: Retention;
  milestones: { done: number; total: number; accounts: number; rate: number | null };
  /** Accounts LUNA knows (book and Slack Connect). */
  known: number;
  atRisk: RiskRow[];
}

/** Monday 00:00 UTC of the week holding `epochMs`. */
export function weekStart(epochMs: number): number {
  const d = new Date(epochMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
}

/** Starts of the last `n` weeks, oldest first, this week last. */
export function weekStarts(n: number, now: number): number[] {
  return Array.from({ length: n }, (_, i) => weekStart(now - (n - 1 - i) * WEEK_MS));
}

/** Share of conversations LUNA kept, in whole percent; null before there is any. */
export function handledShare(f: Figures): { handled: number; escalated: number } | null {
  const { handled, escalated } = f.conversations;
  const total = handled + escalated;
  if (total === 0) return null;
  const h = Math.round((handled / total) * 100);
  return { handled: h, escalated: 100 - h };
}

export interface Helpfulness {
  /** Share of thumbs-up over the window, in whole percent; null before anyone voted. */
  share: number | null;
  /** Votes over the window. */
  count: number;
  /** Share of thumbs-up per week, oldest first; null for a week without votes. */
  trend: Array<number | null>;
}

/** Answer helpfulness, measured from the feedback buttons on LUNA's answers. */
export function helpfulness(f: Figures): Helpfulness {
  const share = (up: number, total: number) => (total === 0 ? null : Math.round((up / total) * 100));
  const up = f.feedback.reduce((a, w) => a + w.positive, 0);
  const count = f.feedback.reduce((a, w) => a + w.positive + w.negative, 0);
  return { share: share(up, count), count, trend: f.feedback.map((w) => share(w.positive, w.positive + w.negative)) };
}
