// The App Home's accounts-at-risk and escalation sections, for the Home view to place among its own: the riskiest
// accounts from the account book and signals, and the escalations to humans with LUNA's handled share.
import type * as types from '@slack/types';
import { SIGNAL_LABELS, daysUntil, healthRisk, type RiskRow } from '../domain/accounts.js';
import { DASHBOARD_WEEKS, handledShare, type Figures } from '../domain/dashboard.js';
import { dayMonth, duration } from './dashboard-text.js';
import { escapeAngles } from '../domain/text.js';
import { mention } from '../domain/slack-ids.js';

const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text });
const section = (text: string): types.SectionBlock => ({ type: 'section', text: mrkdwn(text) });
const context = (...texts: string[]): types.ContextBlock => ({ type: 'context', elements: texts.map(mrkdwn) });
const divider: types.DividerBlock = { type: 'divider' };
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const AT_RISK_ROWS = 8;
const HEALTH_EMOJI = {
  high: ':red_circle:',
  medium: ':large_orange_circle:',
  low: ':large_green_circle:',
  unknown: ':white_circle:',
} as const;

/**
 * Accounts at risk, riskiest first: health, open escalations, the latest signal, renewal, owner and a link
 * to the channel. Names and health come from the account book (the operator's data); signals are kinds and
 * confidences, never what a customer wrote.
 */
export function atRiskBlocks(f: Figures): types.KnownBlock[] {
  const a = f.accounts;
  if (!a) return [];
  const head = section(
    `*Accounts at risk* (${a.known} account${a.known === 1 ? '' : 's'} known${a.book ? '' : '; no account book: set LUNA_ACCOUNTS for health, renewals and owners'})`,
  );
  if (a.atRisk.length === 0)
    return [head, context(a.known ? 'No account shows a risk right now.' : 'No account known yet.'), divider];
  return [head, ...a.atRisk.slice(0, AT_RISK_ROWS).map((r) => riskRow(r, f.now)), divider];
}

function riskRow(r: RiskRow, now: number): types.SectionBlock {
  const book = r.account.book;
  const parts = [
    `${HEALTH_EMOJI[healthRisk(book?.health)]} *${escapeAngles(r.account.name)}*`,
    book?.health ? `health ${escapeAngles(book.health)}` : 'health unknown',
    r.openEscalations
      ? `${plural(r.openEscalations, 'open escalation')}${r.unacknowledged ? ` (${r.unacknowledged} unacknowledged)` : ''}`
      : 'no open escalation',
    r.latestSignal
      ? `latest signal: ${SIGNAL_LABELS[r.latestSignal.kind].toLowerCase()} ${Math.round(r.latestSignal.confidence * 100)}% (${dayMonth(r.latestSignal.at)})`
      : 'no signal',
    book?.renewalDate
      ? `renewal ${book.renewalDate} (${renewalIn(daysUntil(book.renewalDate, now))})`
      : 'no renewal date',
    book?.owner ? `owner ${mention(book.owner)}` : 'no owner',
    ...(r.channel ? [mention(r.channel)] : []),
  ];
  return section(`${parts.join(' · ')}\n_${r.reasons.join(', ')}_`);
}

function renewalIn(days: number): string {
  return days > 0 ? `in ${days} days` : days === 0 ? 'today' : `${-days} days ago`;
}

export function escalationBlocks(f: Figures): types.KnownBlock[] {
  const e = f.escalations;
  const blocks: types.KnownBlock[] = [
    section(`*Escalations to humans* (last ${DASHBOARD_WEEKS} weeks)`),
    {
      type: 'section',
      fields: [
        mrkdwn(`*Open now*\n${e.open}`),
        mrkdwn(`*Overdue*\n${e.overdue}${e.overdue ? ' :rotating_light:' : ''}`),
        mrkdwn(`*Acknowledged*\n${e.acknowledged} of ${e.opened} opened`),
        mrkdwn(
          `*Median time to acknowledge*\n${e.medianMinutesToAcknowledge === null ? '—' : duration(e.medianMinutesToAcknowledge)}`,
        ),
        mrkdwn(`*Marked not strategic*\n${e.notStrategic}`),
        mrkdwn(`*Re-escalated to the fallback*\n${e.reassigned}`),
      ],
    },
  ];
  if (!f.escalationConfigured) {
    blocks.push(
      section(
        `*Handled by LUNA vs escalated to humans*\nEscalation is off (no \`escalation:\` in luna.config.yml), so LUNA keeps every conversation: ${plural(f.conversations.handled, 'answer')} in the last ${DASHBOARD_WEEKS} weeks.`,
      ),
    );
    return blocks;
  }
  const share = handledShare(f);
  const { handled, escalated } = f.conversations;
  blocks.push(
    section(
      share
        ? `*Handled by LUNA vs escalated to humans*\n${bar(share.handled)}\nLUNA handled *${share.handled}%* (${plural(handled, 'conversation')}) · escalated to humans *${share.escalated}%* (${escalated})`
        : '*Handled by LUNA vs escalated to humans*\nNo conversations assessed yet.',
    ),
    context('Escalated counts every escalation LUNA opened, from answers and from churn risks in digests.'),
  );
  return blocks;
}

/** 20 cells: LUNA's share filled, the humans' share empty. */
function bar(percent: number): string {
  const filled = Math.round(percent / 5);
  return `\`${'█'.repeat(filled)}${'░'.repeat(20 - filled)}\``;
}
