import { accountsAtRisk, milestones, retention, type AccountState } from '../../domain/accounts.js';
import {
  DASHBOARD_WEEKS,
  weekStarts,
  type AccountFigures,
  type Figures,
  type UsageFigures,
} from '../../domain/dashboard.js';
import type { HomeInput } from '../../render/home-blocks.js';
import type { JobContext } from '../../contracts/job-context.js';
import { requestsOn } from '../../domain/request-policy.js';
import { requestFigures, yourRequests } from '../../domain/request-figures.js';

// What the Home view shows, read from Redis: the team's weekly aggregates, today's use against the limits, the
// accounts' state, the viewer's requests and the team's request figures, and what knowledge holds. No message text,
// but the first words of the viewer's own requests and of questions without a source.

/** One pipeline-sized read per figure; all of them are weekly aggregates, none holds text. */
export async function gatherFigures(ctx: JobContext, now: number): Promise<Figures> {
  const s = ctx.stores.stats;
  const W = DASHBOARD_WEEKS;
  const store = ctx.stores.escalations;
  const starts = weekStarts(W, now);
  const [
    answers,
    digests,
    opened,
    acknowledged,
    notStrategic,
    reassigned,
    created,
    done,
    handled,
    up,
    down,
    csatWeeks,
    csat,
    median,
    counts,
    measured,
    accounts,
  ] = await Promise.all([
    s.weekly('answers', W),
    s.weekly('digests', W),
    s.weekly('escalations_opened', W),
    s.weekly('escalations_acknowledged', W),
    s.weekly('escalations_not_strategic', W),
    s.weekly('escalations_reassigned', W),
    s.weekly('action_items_created', W),
    s.weekly('action_items_done', W),
    s.weekly('conversations_handled', W),
    s.weekly('feedback_positive', W),
    s.weekly('feedback_negative', W),
    s.weeklyMean('csat', W),
    s.mean('csat', W),
    s.median('minutes_to_acknowledge', W),
    store.counts(now),
    ctx.stores.csat.teamStats(starts[0]!),
    gatherAccounts(ctx, now),
  ]);
  const sum = (xs: Array<{ value: number }>) => xs.reduce((a, x) => a + x.value, 0);
  const last = (xs: Array<{ value: number }>) => xs.at(-1)?.value ?? 0;
  const escalationConfigured = ctx.settings.workspace.escalation !== undefined;
  return {
    now,
    weeks: opened.map((o, i) => ({
      week: o.week,
      startsAt: starts[i]!,
      csat: csatWeeks[i]?.value ?? null,
      escalations: o.value,
    })),
    csat,
    actionItems: { created: sum(created), done: sum(done) },
    escalations: {
      ...counts,
      opened: sum(opened),
      acknowledged: sum(acknowledged),
      notStrategic: sum(notStrategic),
      reassigned: sum(reassigned),
      medianMinutesToAcknowledge: median,
    },
    // Without escalation nothing is assessed, so every answer stayed with LUNA.
    conversations: escalationConfigured
      ? { handled: sum(handled), escalated: sum(opened) }
      : { handled: sum(answers), escalated: 0 },
    thisWeek: { answers: last(answers), digests: last(digests), escalationsOpened: last(opened) },
    feedback: up.map((u, i) => ({ positive: u.value, negative: down[i]?.value ?? 0 })),
    escalationConfigured,
    csatMeasured: measured,
    accounts,
  };
}

/** Today's use against `limits:`: this person's mentions, and each other organisation's tokens (names as Slack gave them). */
export async function gatherUsage(ctx: JobContext, userId: string, now: number): Promise<UsageFigures> {
  const limits = ctx.settings.workspace.limits;
  const [mine, organisations] = await Promise.all([
    ctx.stores.limits.mentionsToday(userId, now),
    ctx.stores.limits.organisationsToday(now),
  ]);
  return {
    mine,
    perDay: limits.mentionsPerPersonPerDay,
    perMinute: limits.mentionsPerPersonPerMinute,
    organisations: organisations.map((o) => ({ name: o.name, tokens: o.tokens })),
    organisationBudget: limits.organisationDailyTokens,
  };
}

/** Retention and milestones from the account book; per account its open escalations and latest signal (ids and kinds only). */
async function gatherAccounts(ctx: JobContext, now: number): Promise<AccountFigures> {
  const rows = ctx.accounts.rows();
  const all = await ctx.accounts.all();
  const memory = ctx.stores.accounts;
  const states: AccountState[] = await Promise.all(
    all.map(async ({ account, channels }) => {
      const [escalations, signals] = await Promise.all([memory.escalations(account.id), memory.signals(account.id, 1)]);
      const open = escalations.filter((e) => e.closedAt === undefined);
      const latest = signals[0];
      return {
        account,
        openEscalations: open.length,
        unacknowledged: open.filter((e) => e.acknowledgedAt === undefined).length,
        ...(latest ? { latestSignal: { kind: latest.kind, confidence: latest.confidence, at: latest.at } } : {}),
        ...(channels[0] ? { channel: channels[0] } : {}),
      };
    }),
  );
  return {
    book: ctx.settings.accountBook !== undefined,
    surveysOn: ctx.settings.workspace.csat.enabled,
    retention: retention(rows, now),
    milestones: milestones(rows),
    known: all.length,
    atRisk: accountsAtRisk(states, now),
  };
}

/**
 * With `requests:` on, the viewer's open requests and the team's request figures: the requests opened over the
 * dashboard's weeks and every one open now (requestFigures counts each once).
 */
export async function gatherRequests(ctx: JobContext, userId: string, now: number): Promise<HomeInput['requests']> {
  if (!requestsOn(ctx.settings.workspace.requests)) return undefined;
  const store = ctx.stores.requests;
  const [mine, opened, open] = await Promise.all([
    store.openForAssignee(userId),
    store.openedBetween(weekStarts(DASHBOARD_WEEKS, now)[0]!, now + 1),
    store.openRequests(),
  ]);
  return { yours: yourRequests(mine, userId, now), team: requestFigures([...opened, ...open], now) };
}

/** With knowledge in use: each source's documents and passages, and the last week's questions without a source. */
export async function gatherKnowledge(ctx: JobContext, now: number): Promise<HomeInput['knowledge']> {
  if (!ctx.knowledge) return undefined;
  const [sources, gaps] = await Promise.all([
    ctx.knowledge.store.summary(),
    ctx.knowledge.store.gapsSince(now - 7 * 86_400_000),
  ]);
  return { sources, gaps };
}
