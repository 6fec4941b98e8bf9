import type * as types from '@slack/types';
import { DASHBOARD_WEEKS, RETENTION_WEEKS, helpfulness, type Figures } from '../domain/dashboard.js';
import { readKpis, type KpiReading } from '../domain/kpi-readings.js';
import { sparkline } from './dashboard-text.js';
import { targetText, type KpiTarget } from '../personas/kpis.js';
import { escapeAngles } from '../domain/text.js';
import type { RequestFigures, YourRequest } from '../domain/request-figures.js';
import { requestTeamBlocks, yourRequestsBlocks } from './request-home-blocks.js';
import { knowledgeBlocks, type KnowledgeHome } from './knowledge-home-blocks.js';
import { atRiskBlocks, escalationBlocks } from './home-risk-blocks.js';

/**
 * The App Home dashboard view. Everything in it is a number LUNA recorded, a persona KPI name or fixed
 * wording: no text from any channel can reach it, because the figures it is built from hold none.
 */

export const HOME_REFRESH_ACTION = 'home_refresh';
export const HOME_CALLBACK_ID = 'luna_home';
const TITLE = 'Estimated CSAT and escalations per week';

const STATUS_EMOJI: Record<KpiReading['status'], string> = {
  met: ':white_check_mark:',
  below: ':warning:',
  untargeted: ':bar_chart:',
  no_data: ':hourglass_flowing_sand:',
  not_measured: ':heavy_minus_sign:',
};

export interface HomeInput {
  /** The persona whose KPI targets the figures are judged against. */
  personaId: string;
  targets: readonly KpiTarget[];
  figures: Figures;
  /** The uploaded trend chart, or why there is none this time. */
  chart: { fileId: string; altText: string } | { missing: string };
  /** With `requests:` on: the viewer's open requests and the team's request figures. */
  requests?: { yours: readonly YourRequest[]; team: RequestFigures } | undefined;
  /** With `knowledge:` in use: what is indexed, and this week's questions LUNA could not ground. */
  knowledge?: KnowledgeHome | undefined;
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text });
const section = (text: string): types.SectionBlock => ({ type: 'section', text: mrkdwn(text) });
const context = (...texts: string[]): types.ContextBlock => ({ type: 'context', elements: texts.map(mrkdwn) });
const divider: types.DividerBlock = { type: 'divider' };
const header: types.HeaderBlock = {
  type: 'header',
  text: { type: 'plain_text', text: 'LUNA · success metrics', emoji: true },
};
const refresh: types.ActionsBlock = {
  type: 'actions',
  block_id: 'home_actions',
  elements: [
    {
      type: 'button',
      action_id: HOME_REFRESH_ACTION,
      text: { type: 'plain_text', text: 'Refresh', emoji: true },
      value: 'refresh',
    },
  ],
};
/** Persona text is the operator's, but `<`, `>` and `&` would still be read as Slack markup. */
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function homeView(input: HomeInput): types.HomeView {
  const f = input.figures;
  const epoch = Math.floor(f.now / 1000);
  const blocks: types.KnownBlock[] = [
    header,
    context(
      `Team-wide aggregates over the last ${DASHBOARD_WEEKS} weeks · updated <!date^${epoch}^{date_short_pretty} at {time}|${new Date(f.now).toISOString()}>`,
      input.requests || input.knowledge
        ? 'Numbers only, besides the first words of your requests and of questions LUNA found no source for: no other message from any channel is shown here.'
        : 'Numbers only: no message from any channel is shown here.',
    ),
    refresh,
    divider,
    ...(input.requests
      ? [...yourRequestsBlocks(input.requests.yours), divider, ...requestTeamBlocks(input.requests.team), divider]
      : []),
    ...(input.knowledge ? [...knowledgeBlocks(input.knowledge), divider] : []),
    section(`*KPIs against the targets of persona \`${escapeAngles(input.personaId)}\`*`),
    ...readKpis(input.targets, f).map(kpiBlock),
    ...helpfulnessBlocks(f),
    divider,
    ...atRiskBlocks(f),
    ...escalationBlocks(f),
    divider,
    ...usageBlocks(f),
    section('*This week*'),
    {
      type: 'section',
      fields: [
        mrkdwn(`*Answers*\n${f.thisWeek.answers}`),
        mrkdwn(`*Feedback digests*\n${f.thisWeek.digests}`),
        mrkdwn(`*Escalations opened*\n${f.thisWeek.escalationsOpened}`),
      ],
    },
    divider,
    'fileId' in input.chart
      ? {
          type: 'image',
          slack_file: { id: input.chart.fileId },
          alt_text: input.chart.altText.slice(0, 2000),
          title: { type: 'plain_text', text: TITLE },
        }
      : context(`:chart_with_upwards_trend: ${input.chart.missing}`),
    context(
      `Weeks are UTC weeks starting Monday. LUNA keeps these weekly counts for ${RETENTION_WEEKS} weeks, then they expire.`,
    ),
  ];
  return { type: 'home', callback_id: HOME_CALLBACK_ID, blocks };
}

/**
 * For someone of another organisation (a customer in a Slack Connect channel) who opens LUNA's Home tab:
 * the dashboard is the workspace team's own, so it says so and shows no figure at all.
 */
export function homeForeignView(): types.HomeView {
  return {
    type: 'home',
    callback_id: HOME_CALLBACK_ID,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'LUNA', emoji: true } },
      section(
        ":wave: Hi! This tab is a dashboard for this workspace's own team, so there is nothing to show you here.",
      ),
      context('You can still mention LUNA in the channels you share with this team.'),
    ],
  };
}

/** When the dashboard could not be built after every retry: say so, and offer Refresh. */
export function homeUnavailableView(): types.HomeView {
  return {
    type: 'home',
    callback_id: HOME_CALLBACK_ID,
    blocks: [header, section(":warning: I couldn't load the dashboard just now. Press Refresh to try again."), refresh],
  };
}

function kpiBlock(k: KpiReading): types.SectionBlock {
  const target = k.target ? ` · target ${targetText(k.target)}` : '';
  const value = k.value ? ` — *${k.value}*` : '';
  const gap = k.gap ? ` · ${k.gap}` : '';
  const status =
    k.status === 'no_data' ? ' — no data yet' : k.status === 'not_measured' ? ' — not measured by LUNA' : '';
  const detail = (k.detail ?? []).map((d) => `\n_${d}_`).join('');
  return section(
    `${STATUS_EMOJI[k.status]} *${escapeAngles(k.name)}*${value}${status}${target}${gap}\n_${k.basis}_${detail}`,
  );
}

/** Beside the persona's KPIs: how helpful the team finds LUNA's answers, from the feedback buttons on them. */
function helpfulnessBlocks(f: Figures): types.KnownBlock[] {
  const h = helpfulness(f);
  const figure =
    h.share === null
      ? ' — no ratings yet'
      : ` — *${h.share}%* thumbs-up · ${plural(h.count, 'rating')} in the last ${DASHBOARD_WEEKS} weeks`;
  const blocks: types.KnownBlock[] = [
    section(
      `${h.share === null ? STATUS_EMOJI.no_data : ':thumbsup:'} *Answer helpfulness*${figure}\n_Measured from feedback buttons on LUNA's answers._`,
    ),
  ];
  if (h.count > 0)
    blocks.push(context(`Thumbs-up share week by week, oldest first (· = no ratings): \`${sparkline(h.trend)}\``));
  return blocks;
}

/** Today's use against `limits:` (UTC day): the viewer's own mentions, and each other organisation's model tokens. */
function usageBlocks(f: Figures): types.KnownBlock[] {
  const u = f.usage;
  if (!u) return [];
  const n = (x: number) => x.toLocaleString('en-US');
  const orgs = u.organisations.slice(0, 10).map((o) => {
    const share = Math.round((o.tokens / u.organisationBudget) * 100);
    return `• ${escapeAngles(o.name)}: ${n(o.tokens)} of ${n(u.organisationBudget)} tokens (${share}%)${o.tokens >= u.organisationBudget ? ' :no_entry: spent' : ''}`;
  });
  return [
    section(
      `*Limits today* (UTC)\nYour mentions: *${n(u.mine)}* of ${n(u.perDay)} · at most ${n(u.perMinute)} a minute\n` +
        (orgs.length
          ? `Model tokens for other organisations' people:\n${orgs.join('\n')}`
          : "No other organisation's people asked LUNA today."),
    ),
    divider,
  ];
}
