import { accountsAtRisk, milestones, retention, type AccountState } from '../../domain/accounts.js';
import {
  DASHBOARD_WEEKS,
  weekStarts,
  type AccountFigures,
  type Figures,
  type UsageFigures,
} from '../../domain/dashboard.js';
import { dayMonth } from '../../render/dashboard-text.js';
import { parseKpiTargets, targetText, type KpiTarget } from '../../personas/kpis.js';
import type { Persona } from '../../personas/registry.js';
import { homeForeignView, homeUnavailableView, homeView, type HomeInput } from '../../render/home-blocks.js';
import type { TrendChart } from '../../render/trend-chart.js';
import { slackErrorCode } from '../../slack-api/errors.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { HomeChartFiles, type ChartFile } from './chart.js';
import { requestsOn } from '../../domain/request-policy.js';
import { requestFigures, yourRequests } from '../../domain/request-figures.js';

// Publishes the App Home dashboard to one user: read the weekly aggregates from Redis, judge them against
// the persona's KPI targets, and `views.publish` once. With unchanged figures the chart's file id comes
// from Redis, so that publish is the only Slack call; changed figures add one chart upload first.

/** Slack can take a moment before a freshly uploaded file may be used in an image block. */
const CHART_RETRY_MS = 2_000;

export async function homeJob(
  job: LunaJob<'home'>,
  ctx: JobContext,
): Promise<{ chart: 'cached' | 'uploaded' | 'none'; foreign?: true }> {
  const p = job.data;
  // Team figures are for the team: someone of another organisation gets a short note, and nothing of the
  // figures is read, drawn or uploaded for them. Who someone is stays cached for hours (one users.info).
  if (await ctx.directory.isExternal(p.userId)) {
    await ctx.slack.views.publish({ user_id: p.userId, view: homeForeignView() });
    return { chart: 'none', foreign: true };
  }
  const now = Date.now();
  const persona = ctx.settings.persona;
  const targets = kpiTargets(persona);
  const figures = { ...(await gatherFigures(ctx, now)), usage: await gatherUsage(ctx, p.userId, now) };
  const files = new HomeChartFiles(ctx);

  let chart: ChartFile | undefined;
  let missing = 'The trend chart is still being prepared; press Refresh in a moment to see it.';
  try {
    chart = await files.get(trendChart(figures, targets));
  } catch (err) {
    ctx.log.warn('could not prepare the App Home trend chart', { user: p.userId, err });
    missing = 'The trend chart could not be prepared this time; press Refresh to try again.';
  }
  const input: HomeInput = {
    personaId: persona.id,
    targets,
    figures,
    chart: chart ?? { missing },
    requests: await gatherRequests(ctx, p.userId, now),
    knowledge: await gatherKnowledge(ctx, now),
  };

  try {
    await ctx.slack.views.publish({ user_id: p.userId, view: homeView(input) });
  } catch (err) {
    if (!chart || !rejectedView(err)) throw err;
    // Slack would not show the chart: a fresh upload still being processed, or a cached file since deleted.
    // The figures go out now without it; one delayed re-publish brings the chart (or uploads it anew).
    ctx.log.warn('Slack rejected the Home view with its chart; publishing without it', {
      user: p.userId,
      fresh: chart.fresh,
      err,
    });
    await ctx.slack.views.publish({ user_id: p.userId, view: homeView({ ...input, chart: { missing } }) });
    if (!chart.fresh || p.reason === 'chart') await files.forget(chart.hash);
    if (p.reason !== 'chart') {
      await ctx.enqueue('home', { userId: p.userId, reason: 'chart' }, { delayMs: CHART_RETRY_MS });
    }
    return { chart: 'none' };
  }
  return { chart: chart ? (chart.fresh ? 'uploaded' : 'cached') : 'none' };
}

/** After the last attempt the user still sees something: a short note and the Refresh button. */
export async function homeFailed(job: LunaJob<'home'>, ctx: JobContext): Promise<void> {
  await ctx.slack.views.publish({ user_id: job.data.userId, view: homeUnavailableView() });
}

const targetsByPersona = new WeakMap<Persona, KpiTarget[]>();
function kpiTargets(persona: Persona): KpiTarget[] {
  let t = targetsByPersona.get(persona);
  if (!t) targetsByPersona.set(persona, (t = parseKpiTargets(persona.systemPrompt)));
  return t;
}

/** One pipeline-sized read per figure; all of them are weekly aggregates, none holds text. */
async function gatherFigures(ctx: JobContext, now: number): Promise<Figures> {
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
async function gatherUsage(ctx: JobContext, userId: string, now: number): Promise<UsageFigures> {
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

/** What the chart draws: weekly CSAT and escalations, and the persona's CSAT target on the 1–5 scale. */
export function trendChart(f: Figures, targets: readonly KpiTarget[]): TrendChart {
  const t = targets.find((k) => k.metric === 'csat' && typeof k.unit === 'number');
  return {
    points: f.weeks.map((w) => ({ label: dayMonth(w.startsAt), csat: w.csat, escalations: w.escalations })),
    ...(t
      ? { csatTarget: { value: (t.value * 5) / (t.unit as number), text: targetText(t).replace(/\/\d+$/, '') } }
      : {}),
  };
}

/** `views.publish` refused the view (Slack reports a bad image block as invalid_arguments). */
function rejectedView(err: unknown): boolean {
  const code = slackErrorCode(err);
  return code === 'invalid_arguments' || code === 'invalid_blocks';
}

/**
 * With `requests:` on, the viewer's open requests and the team's request figures: the requests opened over the
 * dashboard's weeks and every one open now (requestFigures counts each once).
 */
async function gatherRequests(ctx: JobContext, userId: string, now: number): Promise<HomeInput['requests']> {
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
async function gatherKnowledge(ctx: JobContext, now: number): Promise<HomeInput['knowledge']> {
  if (!ctx.knowledge) return undefined;
  const [sources, gaps] = await Promise.all([
    ctx.knowledge.store.summary(),
    ctx.knowledge.store.gapsSince(now - 7 * 86_400_000),
  ]);
  return { sources, gaps };
}
