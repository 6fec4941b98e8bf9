import type * as types from '@slack/types';
import { TARGET_LABEL, TARGETS } from '../domain/requests.js';
import { businessDuration, type RequestFigures, type Spread, type YourRequest } from '../domain/request-figures.js';
import { escapeAngles } from '../domain/text.js';
import { customerWords } from './request-blocks.js';
import { slackDate } from './slack-date.js';

// The App Home's request sections, for the Home view to place among its own: a team member's open requests
// ("Your requests"), and the team's figures. Built from domain/request-figures.ts only.

/** Rows of "Your requests" shown; the rest are counted. */
export const YOUR_REQUESTS_ROWS = 10;

const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text });
const section = (text: string): types.SectionBlock => ({ type: 'section', text: mrkdwn(text) });
const context = (text: string): types.ContextBlock => ({ type: 'context', elements: [mrkdwn(text)] });

function threadLink(url: string | undefined): string {
  return url && /^https:\/\/[^\s<>|]+$/.test(url) ? ` · <${url}|thread>` : '';
}

export function yourRequestsBlocks(rows: readonly YourRequest[]): types.KnownBlock[] {
  const head = section(`*Your requests* (${rows.length} open, soonest due first)`);
  if (rows.length === 0) return [head, context('No open customer request is assigned to you.')];
  const shown = rows.slice(0, YOUR_REQUESTS_ROWS).map((r) => {
    const due = `${TARGET_LABEL[r.target]} ${r.overdue ? ':rotating_light: *overdue*, was due' : 'due'} ${slackDate(r.dueAt)}`;
    return section(
      `*${escapeAngles(r.account)}* · ${r.priority} · ${due}${threadLink(r.permalink)}\n>${customerWords(r.firstWords, 120)}`,
    );
  });
  const more =
    rows.length > YOUR_REQUESTS_ROWS ? [context(`…and ${rows.length - YOUR_REQUESTS_ROWS} more assigned to you.`)] : [];
  return [head, ...shown, ...more];
}

function spreadText(s: Spread): string {
  return s.median === null || s.p90 === null
    ? '—'
    : `median ${businessDuration(s.median)} · p90 ${businessDuration(s.p90)} (${s.count})`;
}

/** The team's figures over the dashboard's weeks: volume, speed in business time, SLA attainment, what is open now. */
export function requestTeamBlocks(f: RequestFigures): types.KnownBlock[] {
  const attainment = TARGETS.map((t) => {
    const a = f.attainment[t];
    const label = TARGET_LABEL[t].replace(/^./, (c) => c.toUpperCase());
    return mrkdwn(`*SLA met: ${label}*\n${a.percent === null ? '—' : `${a.percent}% (${a.met} of ${a.decided})`}`);
  });
  const accounts = f.topAccounts.length
    ? f.topAccounts
        .map((a) => `• *${escapeAngles(a.account)}*: ${a.open} open${a.breached ? ` (${a.breached} breached)` : ''}`)
        .join('\n')
    : 'No open requests.';
  return [
    section(`*Customer requests* (last ${f.weeks} weeks)`),
    {
      type: 'section',
      fields: [
        mrkdwn(`*Opened*\n${f.opened}`),
        mrkdwn(`*Open now*\n${f.open}${f.openBreached ? ` (${f.openBreached} breached :rotating_light:)` : ''}`),
        mrkdwn(`*First response* (business time)\n${spreadText(f.firstResponse)}`),
        mrkdwn(`*Resolution* (business time)\n${spreadText(f.resolution)}`),
        ...attainment,
      ],
    },
    context(`Open by age: ${f.openByAge.map((b) => `${b.label} ${b.count}`).join(' · ')}`),
    section(`*Accounts with the most open requests*\n${accounts}`),
  ];
}
