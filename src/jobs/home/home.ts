import type { Figures } from '../../domain/dashboard.js';
import { dayMonth } from '../../render/dashboard-text.js';
import { parseKpiTargets, targetText, type KpiTarget } from '../../personas/kpis.js';
import type { Persona } from '../../personas/registry.js';
import { homeForeignView, homeUnavailableView, homeView, type HomeInput } from '../../render/home-blocks.js';
import type { TrendChart } from '../../render/trend-chart.js';
import { slackErrorCode } from '../../slack-api/errors.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { HomeChartFiles, type ChartFile } from './chart.js';
import { gatherFigures, gatherKnowledge, gatherRequests, gatherUsage } from './figures.js';

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
