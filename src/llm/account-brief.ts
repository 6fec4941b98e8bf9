import type { JobContext } from '../contracts/job-context.js';
import { SIGNAL_LABELS, daysUntil, money, wantsExtraCare, type Account } from '../domain/accounts.js';
import { requestsOn } from '../domain/request-policy.js';
import { truncate } from '../domain/text.js';
import { estimateTokens } from '../personas/models.js';
import type { DigestMemory, EscalationMemory, SignalMemory } from '../stores/accounts.js';
import type { CsatStats } from '../stores/csat.js';
import { mention } from '../domain/slack-ids.js';

/**
 * The account brief an answer in an account's channel carries in its per-request context (never in the
 * cached persona prefix): who the account is (book), how it is doing (escalations, measured CSAT, the
 * latest digest's estimate and risks, recent signals). At most about BRIEF_TOKENS tokens: lines are added
 * most important first and the rest left out.
 */
export const BRIEF_TOKENS = 600;
const CSAT_DAYS = 90;
/** Digests whose estimates and risk titles the customer-text check knows (the brief shows the latest). */
const RECENT_DIGESTS = 5;
const DAY_MS = 86_400_000;

/**
 * What LUNA holds about the account of the channel an answer is asked in, read once per answer: for the brief
 * (internal places, drafts) and for the check of what a customer will read (steps/customer-guard.ts). Undefined
 * for a DM or a channel about no account. Throws when Redis or Slack cannot be read.
 */
export async function readAccountContext(
  ctx: JobContext,
  p: { channel: string; isDirectMessage?: boolean },
): Promise<AccountContext | undefined> {
  if (p.isDirectMessage) return undefined;
  const account = await ctx.accounts.forChannel(p.channel);
  if (!account) return undefined;
  const now = Date.now();
  const memory = ctx.stores.accounts;
  const [escalations, digests, signals, csat, openRequests] = await Promise.all([
    memory.escalations(account.id),
    memory.digests(account.id, RECENT_DIGESTS),
    memory.signals(account.id, 5),
    ctx.stores.csat.accountStats(account.id, now - CSAT_DAYS * DAY_MS),
    requestsOn(ctx.settings.workspace.requests) ? ctx.stores.requests.openCountForAccount(account.id, now) : undefined,
  ]);
  return {
    account,
    escalations,
    digest: digests[0],
    recentDigests: digests,
    signals,
    csat,
    now,
    ...(openRequests !== undefined ? { openRequests } : {}),
  };
}

/** The brief of an account context, or undefined: the answer matters more than its brief, so a failed read is logged, not thrown. */
export async function accountBriefFor(
  ctx: JobContext,
  p: { channel: string; isDirectMessage: boolean },
): Promise<string | undefined> {
  try {
    const context = await readAccountContext(ctx, p);
    return context && writeBrief(context);
  } catch (err) {
    ctx.log.warn('could not build the account brief; answering without it', { channel: p.channel, err });
    return undefined;
  }
}

export interface BriefInput {
  account: Account;
  escalations: EscalationMemory[];
  digest: DigestMemory | undefined;
  signals: SignalMemory[];
  csat: CsatStats;
  now: number;
  /** Customer requests of the account still open, when `requests:` is on. */
  openRequests?: number;
}

export interface AccountContext extends BriefInput {
  /** The account's latest digests, newest first (`digest` is the first of them). */
  recentDigests: DigestMemory[];
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const pct = (x: number) => `${Math.round(x * 100)}%`;

export function writeBrief(b: BriefInput): string {
  const a = b.account.book;
  const lines: string[] = [];
  const head = [
    `Account: ${b.account.name}`,
    a?.plan && `plan ${a.plan}`,
    a?.arr !== undefined && `ARR ${money(a.arr)}`,
    a?.status && `status ${a.status}`,
  ];
  lines.push(head.filter(Boolean).join(' · '));
  if (a?.renewalDate) {
    const days = daysUntil(a.renewalDate, b.now);
    lines.push(
      `Renewal: ${a.renewalDate} (${days > 0 ? `in ${days} days` : days === 0 ? 'today' : `${-days} days ago`})`,
    );
  }
  if (a?.health) lines.push(`Health: ${a.health}`);
  if (a?.owner) lines.push(`Account owner: ${mention(a.owner)}`);
  const open = b.escalations.filter((e) => e.closedAt === undefined);
  lines.push(
    open.length
      ? `Open escalations: ${open.length} — ${open
          .slice(0, 3)
          .map(
            (e) =>
              `${e.area} (opened ${day(e.openedAt)}, ${e.acknowledgedAt ? 'acknowledged' : 'not yet acknowledged'})`,
          )
          .join('; ')}`
      : 'Open escalations: none',
  );
  if (b.openRequests !== undefined) lines.push(`Open customer requests: ${b.openRequests || 'none'}`);
  lines.push(
    b.csat.average !== null
      ? `Last measured CSAT: ${b.csat.average.toFixed(1)}/5 from ${b.csat.responses} survey response${b.csat.responses === 1 ? '' : 's'} (last ${CSAT_DAYS} days)`
      : `Last measured CSAT: no survey responses in the last ${CSAT_DAYS} days`,
  );
  if (b.digest) {
    const themes = b.digest.themes.slice(0, 4).join(', ');
    lines.push(
      `Latest feedback digest (${day(b.digest.at)}): estimated CSAT ${b.digest.csat}/5${themes ? `; themes: ${themes}` : ''}`,
    );
    const risks = b.digest.risks.slice(0, 3).map((r) => `${r.title} (${pct(r.confidence)})`);
    if (risks.length) lines.push(`Latest risks: ${risks.join('; ')}`);
  }
  if (b.signals.length) {
    lines.push(
      `Recent signals in customers' messages: ${b.signals.map((s) => `${SIGNAL_LABELS[s.kind].toLowerCase()} ${pct(s.confidence)} (${day(s.at)})`).join(', ')}`,
    );
  }
  if (a?.milestonesTotal !== undefined && a.milestonesDone !== undefined)
    lines.push(`Success milestones: ${a.milestonesDone} of ${a.milestonesTotal} done`);
  const extra = Object.entries(a?.extra ?? {}).map(([k, v]) => `${k}: ${truncate(v.replace(/\s+/g, ' '), 80)}`);
  if (extra.length) lines.push(`Other facts (account book): ${extra.join('; ')}`);

  const out: string[] = [];
  for (const line of lines.map((l) => `- ${truncate(l, 400)}`)) {
    if (estimateTokens([...out, line].join('\n')) > BRIEF_TOKENS) break;
    out.push(line);
  }
  return out.join('\n');
}

/** The fact-free signal an answer the customer reads may carry instead of the brief (domain/accounts.ts wantsExtraCare). */
export function extraCare(c: BriefInput): boolean {
  const open = c.escalations.filter((e) => e.closedAt === undefined);
  const latest = c.signals[0];
  return wantsExtraCare(
    {
      account: c.account,
      openEscalations: open.length,
      unacknowledged: open.filter((e) => e.acknowledgedAt === undefined).length,
      ...(latest ? { latestSignal: { kind: latest.kind, confidence: latest.confidence, at: latest.at } } : {}),
    },
    c.now,
  );
}
