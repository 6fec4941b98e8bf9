import type * as types from '@slack/types';
import { escapeAngles, truncate } from '../domain/text.js';
import { splitMessage } from './split.js';
import { mention } from '../domain/slack-ids.js';

export const DRAFT_ACTIONS = { post: 'draft_post', discard: 'draft_discard' } as const;

/** Slack's section text limit is 3,000 characters; a part is cut into sections below it. */
const SECTION_CHARS = 2_900;

export interface DraftNoticeInput {
  draftId: string;
  /** mrkdwn link to the customer thread. */
  threadLink: string;
  readers: string;
  parts: string[];
  /** Why this person got it: they asked, or they own the channel and a customer asked. */
  reason: 'asked' | 'customer_asked';
  askedBy: string;
}

/**
 * The private draft: what LUNA would post in the customer thread, said plainly to be for the customer's
 * eyes, with Post in thread / Discard. Nothing reaches the thread until someone presses Post.
 */
export function draftNotice(d: DraftNoticeInput): { text: string; blocks: types.KnownBlock[] } {
  const who = escapeAngles(d.readers);
  const intro =
    d.reason === 'asked'
      ? `:memo: *Draft reply for ${d.threadLink}* — written for *${who}*, who read that channel. Nothing is posted until you press *Post in thread*.`
      : `:memo: *${mention(d.askedBy)} of ${who} asked LUNA in ${d.threadLink}.* They got a short holding reply; here is a draft answer, written for their eyes. Nothing more is posted until someone presses *Post in thread*.`;
  // splitMessage keeps mention tokens and code fences whole wherever it cuts.
  const body = d.parts.flatMap((part) => splitMessage(part, SECTION_CHARS)).slice(0, 45);
  return {
    text: `Draft reply for a customer thread (${d.readers}): review it before it is posted.`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: intro } },
      { type: 'divider' },
      ...body.map((text): types.SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } })),
      { type: 'divider' },
      {
        type: 'actions',
        block_id: 'draft',
        elements: [
          { type: 'button', action_id: DRAFT_ACTIONS.post, style: 'primary', value: d.draftId, text: { type: 'plain_text', text: 'Post in thread' } },
          { type: 'button', action_id: DRAFT_ACTIONS.discard, value: d.draftId, text: { type: 'plain_text', text: 'Discard' } },
        ],
      },
    ],
  };
}

/** The draft after a decision: who decided, and where it went; no buttons left to press. */
export function decidedNotice(d: { threadLink: string; status: 'posted' | 'discarded'; by: string; readers: string }): {
  text: string;
  blocks: types.KnownBlock[];
} {
  const text =
    d.status === 'posted'
      ? `:white_check_mark: Posted in ${d.threadLink} by ${mention(d.by)}.`
      : `:wastebasket: Discarded by ${mention(d.by)}; nothing was posted in ${d.threadLink}.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `${text} (draft for ${escapeAngles(d.readers)})` } }] };
}

/** A customer mentioned LUNA where it stays silent (`externalMentions: ignore`): the owners hear of it. */
export function ownersAlert(d: { threadLink: string; askedBy: string; readers: string; excerpt: string }): string {
  return `:eyes: ${mention(d.askedBy)} (${escapeAngles(d.readers)}) mentioned LUNA in ${d.threadLink}. LUNA did not reply there (customerChannels.externalMentions: ignore).\n>${escapeAngles(truncate(d.excerpt, 500)).replace(/\n/g, '\n>')}`;
}
