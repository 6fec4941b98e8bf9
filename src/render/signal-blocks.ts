import type * as types from '@slack/types';
import { SIGNAL_LABELS, type SignalKind } from '../domain/accounts.js';
import { escapeAngles, truncate } from '../domain/text.js';
import { mention } from '../domain/slack-ids.js';

/**
 * The private alert an account owner gets when customers' messages carry a signal: what was said (quoted,
 * with permalinks), how sure LUNA is, and a suggested next step. For one person's eyes, by DM: the customer
 * sees nothing of it.
 */
export interface AlertSignal {
  kind: SignalKind;
  confidence: number;
  summary: string;
  nextStep: string;
  quotes: Array<{ user: string; text: string; link: string }>;
  /** Set when the signal was also escalated (area). */
  escalated?: string | undefined;
}

const EMOJI: Record<SignalKind, string> = {
  frustration: ':face_with_rolling_eyes:',
  churn_risk: ':rotating_light:',
  expansion_interest: ':chart_with_upwards_trend:',
  advocacy: ':star2:',
};

const safe = (s: string, max: number) => escapeAngles(truncate(s.replace(/\s+/g, ' ').trim(), max));
const pct = (x: number) => `${Math.round(x * 100)}%`;

function signalSection(s: AlertSignal): types.SectionBlock {
  const quotes = s.quotes
    .slice(0, 3)
    .map((q) => `>${safe(q.text, 280)}\n>— ${mention(q.user)} · <${q.link}|view message>`);
  const lines = [
    `${EMOJI[s.kind]} *${SIGNAL_LABELS[s.kind]}* · ${pct(s.confidence)} confident`,
    safe(s.summary, 400),
    ...quotes,
    `*Suggested next step:* ${safe(s.nextStep, 300)}`,
    ...(s.escalated ? [`_Escalated as ${escapeAngles(s.escalated.toLowerCase())}._`] : []),
  ];
  return { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 2990) } };
}

export function signalAlert(a: { account: string; channel: string; signals: AlertSignal[] }): {
  text: string;
  blocks: types.KnownBlock[];
} {
  const kinds = a.signals.map((s) => `${SIGNAL_LABELS[s.kind].toLowerCase()} (${pct(s.confidence)})`).join(', ');
  const account = escapeAngles(a.account);
  return {
    text: `Signals in ${a.account}'s messages in ${mention(a.channel)}: ${kinds}`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `:bell: *${account}* — signals in their messages in ${mention(a.channel)}` },
      },
      ...a.signals.slice(0, 8).map(signalSection),
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Only you see this. Nothing was posted where the customer reads.' }],
      },
    ],
  };
}

/** For the `marketing` handle's people: a customer speaking up for the product. */
export function advocacyNote(a: {
  account: string;
  channel: string;
  owner?: string | undefined;
  signal: AlertSignal;
}): {
  text: string;
  blocks: types.KnownBlock[];
} {
  const owner = a.owner ? ` Account owner: ${mention(a.owner)}.` : '';
  return {
    text: `Advocacy from ${a.account} in ${mention(a.channel)}`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:star2: *${escapeAngles(a.account)}* spoke up for us in ${mention(a.channel)}: a possible reference or case study.${owner}`,
        },
      },
      signalSection(a.signal),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Sent to the @marketing handle by LUNA. Talk to the account owner before reaching out.',
          },
        ],
      },
    ],
  };
}
