import type { EscalationRecord } from '../stores/escalations.js';
import type { EscalationRequest } from '../contracts/jobs.js';
import { mentionList } from '../domain/escalation.js';
import { renderAnswer } from './answer.js';
import { escapeAngles, truncate } from '../domain/text.js';
import { mention } from '../domain/slack-ids.js';

export const ESCALATION_ACTIONS = {
  acknowledge: 'escalation_acknowledge',
  take: 'escalation_take',
  notStrategic: 'escalation_not_strategic',
} as const;

const NOBODY = { users: new Set<string>(), groups: new Set<string>() };
const STATUS_TEXT = {
  acknowledged: 'Acknowledged',
  taken: 'Taken',
  not_strategic: 'Marked not strategic',
} as const;

/** Model-written fields are rendered like answers with nobody taggable, and cut to Slack's section limit. */
function modelField(text: string, max = 2900): string {
  return truncate(renderAnswer(text || '—', NOBODY).text, max);
}

export interface EscalationView {
  record: Pick<EscalationRecord, 'id' | 'area' | 'status' | 'owners' | 'handledBy' | 'handledAt' | 'fallbackAt'>;
  request: Pick<
    EscalationRequest,
    'customerWants' | 'whyStrategic' | 'decisionNeeded' | 'summary' | 'confidence' | 'source'
  >;
  permalink: string;
  evidence: string[];
  fallback: string[];
}

/** The escalation post: what is wanted, why it is strategic, the decision, the hand-off, owners, buttons. */
export function escalationMessage(v: EscalationView): { text: string; blocks: object[] } {
  const { record: r, request: q } = v;
  const owners = mentionList(r.owners);
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: `Escalation: ${r.area}`.slice(0, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: `*What the customer wants*\n${modelField(q.customerWants)}` } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Why it is strategic*\n${modelField(q.whyStrategic)}` } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Decision needed*\n${modelField(q.decisionNeeded)}` } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Hand-off*\n${modelField(q.summary)}` } },
  ];
  if (v.evidence.length) {
    const recent = v.evidence.slice(-8).map((e) => `• ${modelField(e, 300)}`);
    const more = v.evidence.length > 8 ? `\n_(and ${v.evidence.length - 8} earlier)_` : '';
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*New evidence since*\n${recent.join('\n')}${more}`.slice(0, 2990) },
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: `Owners: ${owners}` },
      { type: 'mrkdwn', text: `<${v.permalink}|Open the customer thread>` },
      {
        type: 'mrkdwn',
        text: `Confidence ${Math.round(q.confidence * 100)}% · from ${q.source === 'digest' ? 'a feedback digest' : q.source === 'signal' ? 'customer signals' : 'a conversation'}`,
      },
    ],
  });
  if (r.fallbackAt && r.status === 'open') {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `:rotating_light: Not acknowledged in time; re-escalated to ${mentionList(v.fallback)}`,
        },
      ],
    });
  }
  if (r.status === 'open') {
    blocks.push({
      type: 'actions',
      block_id: `escalation:${r.id}`.slice(0, 255),
      elements: [
        {
          type: 'button',
          action_id: ESCALATION_ACTIONS.acknowledge,
          text: { type: 'plain_text', text: 'Acknowledge' },
          style: 'primary',
          value: r.id,
        },
        {
          type: 'button',
          action_id: ESCALATION_ACTIONS.take,
          text: { type: 'plain_text', text: "I'll take it" },
          value: r.id,
        },
        {
          type: 'button',
          action_id: ESCALATION_ACTIONS.notStrategic,
          text: { type: 'plain_text', text: 'Not strategic' },
          value: r.id,
        },
      ],
    });
  } else {
    const when = r.handledAt
      ? `<!date^${Math.floor(r.handledAt / 1000)}^{date_short_pretty} at {time}|${new Date(r.handledAt).toISOString()}>`
      : '';
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `:white_check_mark: ${STATUS_TEXT[r.status]} by ${r.handledBy ? mention(r.handledBy) : 'someone'} ${when}`.trim(),
        },
      ],
    });
  }
  return { text: `Escalation (${r.area}): ${modelField(q.decisionNeeded, 200)} ${owners}`, blocks };
}

const REFUSED_VERB = {
  acknowledged: 'acknowledge this escalation',
  taken: 'take this escalation',
  not_strategic: 'mark this escalation not strategic',
} as const;

/** What someone who may not press an escalation button is told, privately, instead. */
export function escalationRefusal(area: string, action: keyof typeof REFUSED_VERB): string {
  return `:lock: Only the owners of ${escapeAngles(area)} can ${REFUSED_VERB[action]}. Nothing was changed.`;
}
