import type * as types from '@slack/types';
import type { Priority, SlaTarget } from '../config/requests.js';
import { mentionList } from '../domain/escalation.js';
import { neutraliseMentions } from '../domain/mention-safety.js';
import { PRIORITY_ORDER, TARGET_LABEL, isActive, type RequestRecord } from '../domain/requests.js';
import { targetMet } from '../domain/request-sla.js';
import { mention } from '../domain/slack-ids.js';
import { escapeAngles, truncate } from '../domain/text.js';
import { slackDate } from './slack-date.js';

/**
 * What the team sees of a customer request: the triage card (one per request in `requests.triageChannel`,
 * updated in place), the breach reply under it, the private warning, and what a stranger is told when they
 * press its buttons. Internal surfaces only: nothing here is ever posted where the customer reads.
 *
 * The customer's words are shown as they wrote them, but inert: no mention in them can notify anyone, and no
 * markup in them can become a link or a date.
 */

export const REQUEST_ACTIONS = {
  take: 'request_take',
  resolve: 'request_resolve',
  priority: 'request_priority',
} as const;

const REQUEST_ID = /^[CGD][A-Z0-9]+-\d+\.\d+$/;
const PRIORITY_SET: ReadonlySet<string> = new Set(PRIORITY_ORDER);

/** A button's value is the request id; a priority option's is `id|priority`. Both far below Slack's 150/2,000. */
export function requestActionValue(id: string, priority?: Priority): string {
  return priority ? `${id}|${priority}` : id;
}

export function parseRequestActionValue(value: string): { id: string; priority?: Priority } | undefined {
  const [id, priority, ...rest] = value.split('|');
  if (!id || !REQUEST_ID.test(id) || rest.length) return undefined;
  if (priority === undefined) return { id };
  return PRIORITY_SET.has(priority) ? { id, priority: priority as Priority } : undefined;
}

const PRIORITY_LABEL: Record<Priority, string> = { urgent: 'Urgent', high: 'High', normal: 'Normal', low: 'Low' };
const PRIORITY_EMOJI: Record<Priority, string> = {
  urgent: ':rotating_light:',
  high: ':small_red_triangle:',
  normal: ':small_blue_diamond:',
  low: ':white_small_square:',
};
const NOBODY = { users: new Set<string>(), groups: new Set<string>() };

/** A customer's words, safe in mrkdwn: mentions made inert, `<`, `>` and `&` escaped. */
export function customerWords(text: string, max: number): string {
  return escapeAngles(neutraliseMentions(truncate(text, max), NOBODY).text);
}

/** A mention for a well-formed id (domain/slack-ids.ts); anything else is shown as text, never as markup. */
function person(id: string | undefined): string {
  if (!id) return 'someone';
  return mention(id);
}

/** A link only for a plain https URL (a Slack permalink): no `|` or `>` can break out of it. */
function link(url: string | undefined, label: string): string | undefined {
  return url && /^https:\/\/[^\s<>|]+$/.test(url) ? `<${url}|${label}>` : undefined;
}

/** LUNA's draft reply, one link per reviewer's copy: a DM with LUNA opens only for the reviewer it was sent to. */
function draftLinks(copies: NonNullable<RequestRecord['draft']>['copies']): string {
  return `LUNA's draft reply: ${copies.map((c) => `${link(c.link, 'open') ?? 'in the DMs'} (${person(c.user)})`).join(' · ')}`;
}

function account(r: Pick<RequestRecord, 'accountName'>): string {
  return r.accountName ? escapeAngles(r.accountName) : 'A customer';
}

export function statusLine(r: RequestRecord): string {
  const line = {
    open: () => ':large_yellow_circle: Open — waiting for a first response',
    'first-responded': () =>
      `:speech_balloon: First response by ${person(r.firstResponderId)} ${slackDate(r.firstResponseAt ?? r.updatedAt)}`,
    reopened: () =>
      `:arrows_counterclockwise: Reopened ${slackDate(r.reopenedAt ?? r.updatedAt)}: the customer wrote again`,
    resolved: () => `:white_check_mark: Resolved by ${person(r.resolvedBy)} ${slackDate(r.resolvedAt ?? r.updatedAt)}`,
    withdrawn: () => ':heavy_minus_sign: Withdrawn: the customer deleted the message',
  }[r.status]();
  const breached = r.breached.map((t) => TARGET_LABEL[t]);
  return breached.length ? `${line}\n:rotating_light: *Breached:* ${breached.join(', ')}` : line;
}

function targetField(r: RequestRecord, target: SlaTarget, targetText: string): string {
  const title = `*${target === 'firstResponse' ? 'First response' : 'Resolution'}* (${escapeAngles(targetText)})`;
  if (r.status === 'withdrawn') return `${title}\n—`;
  const doneAt = target === 'firstResponse' ? r.firstResponseAt : r.status === 'resolved' ? r.resolvedAt : undefined;
  if (doneAt !== undefined) {
    const late = doneAt > r.due[target] ? ' (late)' : '';
    return `${title}\n:white_check_mark: ${slackDate(doneAt)}${late}`;
  }
  if (r.breached.includes(target)) return `${title}\n:rotating_light: *Breached*, was due ${slackDate(r.due[target])}`;
  return `${title}\nDue ${slackDate(r.due[target])}`;
}

export interface RequestCardInput {
  record: RequestRecord;
  /** The targets as configured for the request's priority (`30m`, `4h`), shown beside each due time. */
  targets: Record<SlaTarget, string>;
}

/** The triage card: who, what, how urgent, whose, where it stands, when it is due, and the buttons. */
export function requestCard({ record: r, targets }: RequestCardInput): { text: string; blocks: types.KnownBlock[] } {
  const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text });
  const assignee = r.assigneeId
    ? `${person(r.assigneeId)}${r.assignedVia === 'owner' ? ' (account owner)' : ''}`
    : '_Unassigned_';
  const links = [
    link(r.permalink, 'Open the thread'),
    r.draft ? draftLinks(r.draft.copies) : undefined,
    r.followUps.length ? `${r.followUps.length + 1} messages` : undefined,
    r.reopens ? `reopened ${r.reopens === 1 ? 'once' : `${r.reopens} times`}` : undefined,
    `opened ${slackDate(r.openedAt)}`,
  ].filter((x): x is string => Boolean(x));
  const blocks: types.KnownBlock[] = [
    {
      type: 'section',
      // verbatim: Slack must not turn anything in the customer's words into a link or a mention.
      text: {
        type: 'mrkdwn',
        verbatim: true,
        text: `${PRIORITY_EMOJI[r.priority]} *${account(r)}* · ${PRIORITY_LABEL[r.priority]} · asked by ${person(r.askerId)}\n>${customerWords(r.firstWords, 500) || '_(no text)_'}`,
      },
    },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Status*\n${statusLine(r)}`),
        mrkdwn(`*Assignee*\n${assignee}`),
        mrkdwn(targetField(r, 'firstResponse', targets.firstResponse)),
        mrkdwn(targetField(r, 'resolution', targets.resolution)),
      ],
    },
    { type: 'context', elements: [mrkdwn(links.join(' · '))] },
  ];
  if (isActive(r)) blocks.push(cardActions(r));
  const breached = r.breached.length ? ' (SLA breached)' : '';
  return {
    text: `Request from ${account(r)} (${PRIORITY_LABEL[r.priority].toLowerCase()}${r.status === 'open' ? '' : `, ${r.status}`})${breached}: ${customerWords(r.firstWords, 150)}`,
    blocks,
  };
}

function cardActions(r: RequestRecord): types.ActionsBlock {
  const option = (p: Priority): types.PlainTextOption => ({
    text: { type: 'plain_text', text: PRIORITY_LABEL[p] },
    value: requestActionValue(r.id, p),
  });
  return {
    type: 'actions',
    block_id: `request:${r.id}`,
    elements: [
      { type: 'button', action_id: REQUEST_ACTIONS.take, text: { type: 'plain_text', text: 'Take it' }, value: r.id },
      {
        type: 'button',
        action_id: REQUEST_ACTIONS.resolve,
        text: { type: 'plain_text', text: 'Resolve' },
        style: 'primary',
        value: r.id,
      },
      {
        type: 'static_select',
        action_id: REQUEST_ACTIONS.priority,
        placeholder: { type: 'plain_text', text: 'Priority' },
        options: PRIORITY_ORDER.map(option),
        initial_option: option(r.priority),
      },
    ],
  };
}

/**
 * The reply under the card when a target is breached: what was due when, naming the assignee (else the channel's
 * owners), so the right people are notified once.
 */
export function breachReply(
  r: RequestRecord,
  target: SlaTarget,
  targetText: string,
  notify: readonly string[],
): string {
  const who = notify.length
    ? mentionList([...notify])
    : 'Nobody is assigned and the channel has no owners: please take it.';
  return `:rotating_light: *${TARGET_LABEL[target].replace(/^./, (c) => c.toUpperCase())} SLA breached* (${escapeAngles(targetText)}, due ${slackDate(r.due[target])}) for ${account(r)}. ${who}`;
}

/** The private warning at `warnAt` of a target, to the assignee (else the channel's owners). */
export function warningMessage(r: RequestRecord, target: SlaTarget, cardLink?: string): string {
  const where = link(cardLink, 'the card') ?? link(r.permalink, 'the thread');
  const words = customerWords(r.firstWords, 120);
  return [
    `:hourglass_flowing_sand: The ${TARGET_LABEL[target]} to ${account(r)}’s request is due ${slackDate(r.due[target])}`,
    targetMet(r, 'firstResponse') ? '' : ' and nobody has replied yet',
    `.\n>${words || '_(no text)_'}`,
    where ? `\n${where}` : '',
  ].join('');
}

/** Told privately to the owners when a request opens with nobody to assign it to. */
export function unassignedNotice(r: RequestRecord, cardLink?: string): string {
  const where = link(cardLink, 'Take it on the card') ?? link(r.permalink, 'Open the thread');
  return `:inbox_tray: A request from ${account(r)} has nobody assigned.${where ? ` ${where}` : ''}`;
}

/** What someone who may not change requests (another organisation) is told, privately, after pressing a card button. */
export const REQUEST_REFUSAL = ':lock: Only members of the team can change customer requests. Nothing was changed.';
