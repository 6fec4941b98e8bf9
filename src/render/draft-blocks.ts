import type * as types from '@slack/types';
import { factNames, type FactHit } from '../domain/customer-text.js';
import { escapeAngles, truncate } from '../domain/text.js';
import { splitMessage } from './split.js';
import { mention } from '../domain/slack-ids.js';

/**
 * A draft that names internal facts is posted only through `post_confirmed`, a button of its own that carries
 * Slack's confirmation dialog naming the facts: a click on plain Post never posts such a draft unchanged.
 */
export const DRAFT_ACTIONS = {
  post: 'draft_post',
  post_confirmed: 'draft_post_confirmed',
  discard: 'draft_discard',
} as const;

/** Slack's section text limit is 3,000 characters; a part is cut into sections below it. */
const SECTION_CHARS = 2_900;

export interface DraftNoticeInput {
  draftId: string;
  /** mrkdwn link to the customer thread. */
  threadLink: string;
  readers: string;
  parts: string[];
  /** Why this person got it: they asked, they own the channel and a customer asked, or LUNA held an answer back. */
  reason: 'asked' | 'customer_asked' | 'withheld' | 'unsourced';
  askedBy: string;
  /** What the customer-text check found in it: listed in the DM and named in Post's confirmation. */
  flagged?: readonly FactHit[];
}

/**
 * The private draft: what LUNA would post in the customer thread, said plainly to be for the customer's
 * eyes, with Post in thread / Discard. Nothing reaches the thread until someone presses Post.
 */
export function draftNotice(d: DraftNoticeInput): { text: string; blocks: types.KnownBlock[] } {
  const who = escapeAngles(d.readers);
  const flagged = d.flagged ?? [];
  const intro =
    d.reason === 'withheld'
      ? `:shield: *LUNA held back its answer to ${mention(d.askedBy)} in ${d.threadLink}*: ${flagged.some((f) => f.reason === 'instructions_echo') ? 'it repeated what LUNA was told for the request' : 'it named internal facts'}, and *${who}* read that channel. ${mention(d.askedBy)} got a short holding reply. Here is the answer: answer them yourself, or post it with *Post in thread*.`
      : d.reason === 'unsourced'
        ? `:books: *LUNA found no source for its answer to ${mention(d.askedBy)} in ${d.threadLink}*: nothing in the team's documents backs it, so it was not posted where *${who}* read. ${mention(d.askedBy)} got a short holding reply. Here is the answer: answer them yourself, or post it with *Post in thread*.`
        : d.reason === 'asked'
          ? `:memo: *Draft reply for ${d.threadLink}* — written for *${who}*, who read that channel. Nothing is posted until you press *Post in thread*.`
          : `:memo: *${mention(d.askedBy)} of ${who} asked LUNA in ${d.threadLink}.* They got a short holding reply; here is a draft answer, written for their eyes. Nothing more is posted until someone presses *Post in thread*.`;
  // splitMessage keeps mention tokens and code fences whole wherever it cuts.
  const body = d.parts.flatMap((part) => splitMessage(part, SECTION_CHARS));
  return {
    text: `Draft reply for a customer thread (${d.readers}): review it before it is posted.`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: intro } },
      ...(flagged.length ? [flaggedSection(flagged, who)] : []),
      { type: 'divider' },
      ...body
        .slice(0, flagged.length ? 44 : 45)
        .map((text): types.SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } })),
      { type: 'divider' },
      {
        type: 'actions',
        block_id: 'draft',
        elements: [
          flagged.length
            ? {
                type: 'button',
                action_id: DRAFT_ACTIONS.post_confirmed,
                style: 'danger',
                value: d.draftId,
                text: { type: 'plain_text', text: 'Post in thread' },
                confirm: postConfirmation(flagged, d.readers),
              }
            : {
                type: 'button',
                action_id: DRAFT_ACTIONS.post,
                style: 'primary',
                value: d.draftId,
                text: { type: 'plain_text', text: 'Post in thread' },
              },
          {
            type: 'button',
            action_id: DRAFT_ACTIONS.discard,
            value: d.draftId,
            text: { type: 'plain_text', text: 'Discard' },
          },
        ],
      },
    ],
  };
}

/** Facts listed one by one in a draft's DM; a section holds this many of the longest (2,900 characters). */
const SHOWN_FACTS = 8;

/** The facts the check found, for the reviewer: what each is, LUNA's value, and how the draft wrote it. */
function flaggedSection(flagged: readonly FactHit[], who: string): types.SectionBlock {
  const lines = flagged
    .slice(0, 12)
    .map((f) =>
      f.reason === 'instructions_echo'
        ? '• an echo of the instructions LUNA was given for this request'
        : `• *${escapeAngles(truncate(f.fact, 60))}*: ${f.value.startsWith('<@') ? f.value : escapeAngles(truncate(f.value, 80))} (written “${escapeAngles(truncate(f.found, 60))}”)`,
    );
  const more = flagged.length > SHOWN_FACTS ? [`• and ${flagged.length - SHOWN_FACTS} more`] : [];
  const text = `:warning: *This text names what ${truncate(who, 100)} must not read:*\n${[...lines, ...more].join('\n')}\nEdit it before posting, or confirm that it may be posted as it is.`;
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_CHARS) } };
}

/** Slack's confirmation dialog on Post (plain text: title ≤ 100, text ≤ 300, buttons ≤ 30 characters). */
function postConfirmation(flagged: readonly FactHit[], readers: string): types.ConfirmationDialog {
  return {
    title: { type: 'plain_text', text: 'Post internal facts?' },
    text: {
      type: 'plain_text',
      text: truncate(`${readers} will read this draft, and it names: ${factNames(flagged)}. Post it as it is?`, 300),
    },
    confirm: { type: 'plain_text', text: 'Post as it is' },
    deny: { type: 'plain_text', text: 'Cancel' },
    style: 'danger',
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
  return {
    text,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `${text} (draft for ${escapeAngles(d.readers)})` } }],
  };
}

/** A customer mentioned LUNA where it stays silent (`externalMentions: ignore`): the owners hear of it. */
export function ownersAlert(d: { threadLink: string; askedBy: string; readers: string; excerpt: string }): string {
  return `:eyes: ${mention(d.askedBy)} (${escapeAngles(d.readers)}) mentioned LUNA in ${d.threadLink}. LUNA did not reply there (customerChannels.externalMentions: ignore).\n>${escapeAngles(truncate(d.excerpt, 500)).replace(/\n/g, '\n>')}`;
}
