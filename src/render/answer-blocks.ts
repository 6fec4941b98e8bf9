import type * as types from '@slack/types';

// Block Kit of an answer part: its text in a section (an answer part is at most ANSWER_PART_CHARS, which a
// section holds), and on the last part Slack's feedback buttons (a `context_actions` block with
// `feedback_buttons`: thumbs up and down). A thumbs-down is followed by a private question why.

/** Every answer part fits one section block's text (3,000 characters). */
export const ANSWER_PART_CHARS = 3_000;

export const FEEDBACK_ACTION = 'luna_answer_feedback';
/** Reason buttons: the action id is this prefix and the reason, so each is unique in its block. */
export const FEEDBACK_REASON_ACTION_PREFIX = 'luna_feedback_reason_';

export const FEEDBACK_VALUES = ['positive', 'negative'] as const;
export type FeedbackValue = (typeof FEEDBACK_VALUES)[number];
export const FEEDBACK_REASONS = ['wrong', 'not_helpful', 'unsafe', 'other'] as const;
export type FeedbackReason = (typeof FEEDBACK_REASONS)[number];

const REASON_LABELS: Record<FeedbackReason, string> = {
  wrong: 'Wrong',
  not_helpful: 'Not helpful',
  unsafe: 'Unsafe',
  other: 'Other',
};

/** A button value: what was pressed and for which answer (`positive:answer-C0…-1700…`). */
export function feedbackValue(kind: string, answerId: string): string {
  return `${kind}:${answerId}`;
}

/** The inverse of feedbackValue; undefined for anything LUNA did not write. */
export function parseFeedbackValue(value: string): { kind: string; answerId: string } | undefined {
  const m = /^([a-z_]+):([A-Za-z0-9._-]{1,200})$/.exec(value);
  return m ? { kind: m[1]!, answerId: m[2]! } : undefined;
}

export function answerSection(text: string): types.SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

export function feedbackBlock(answerId: string): types.ContextActionsBlock {
  return {
    type: 'context_actions',
    block_id: 'luna_feedback',
    elements: [
      {
        type: 'feedback_buttons',
        action_id: FEEDBACK_ACTION,
        positive_button: {
          text: { type: 'plain_text', text: '👍' },
          accessibility_label: 'This answer helped',
          value: feedbackValue('positive', answerId),
        },
        negative_button: {
          text: { type: 'plain_text', text: '👎' },
          accessibility_label: 'This answer did not help',
          value: feedbackValue('negative', answerId),
        },
      },
    ],
  };
}

/** The last part of an answer where the team reads it: its text, then the feedback buttons. */
export function answerPartBlocks(text: string, feedback?: { answerId: string }): types.KnownBlock[] {
  return [answerSection(text), ...(feedback ? [feedbackBlock(feedback.answerId)] : [])];
}

/** The private follow-up to a thumbs-down: one button per reason. */
export function feedbackReasonMessage(answerId: string): { text: string; blocks: types.KnownBlock[] } {
  const text = 'Thanks for telling me. What was wrong with this answer?';
  return {
    text,
    blocks: [
      answerSection(text),
      {
        type: 'actions',
        block_id: 'luna_feedback_reason',
        elements: FEEDBACK_REASONS.map((reason) => ({
          type: 'button' as const,
          action_id: `${FEEDBACK_REASON_ACTION_PREFIX}${reason}`,
          text: { type: 'plain_text' as const, text: REASON_LABELS[reason] },
          value: feedbackValue(reason, answerId),
        })),
      },
    ],
  };
}

/** What replaces the reason question once answered. */
export function feedbackThanks(reason: FeedbackReason): string {
  return `Thanks, noted as *${REASON_LABELS[reason].toLowerCase()}*. The team sees how LUNA's answers are rated on its Home tab.`;
}
