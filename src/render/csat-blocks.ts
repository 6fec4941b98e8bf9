import type * as types from '@slack/types';
import { escapeAngles } from '../domain/text.js';

/**
 * The CSAT survey LUNA posts once in a resolved customer thread: the configured question, five buttons
 * (1–5) and the scale. Neutral on purpose: no emoji that leans on the answer, no internal wording. The
 * customer sees this and, after a click, a private thank-you; nothing else.
 */
export const CSAT_VOTE_ACTION = /^csat_vote_([1-5])$/;
export const csatActionId = (score: number) => `csat_vote_${score}`;

export function surveyMessage(question: string, surveyId: string): { text: string; blocks: types.KnownBlock[] } {
  return {
    text: `${question} (1 = very dissatisfied, 5 = very satisfied)`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: escapeAngles(question) } },
      {
        type: 'actions',
        block_id: 'csat',
        elements: [1, 2, 3, 4, 5].map((n) => ({
          type: 'button',
          action_id: csatActionId(n),
          value: surveyId,
          text: { type: 'plain_text', text: String(n) },
        })),
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: '1 = very dissatisfied · 5 = very satisfied' }] },
    ],
  };
}

export const THANKS = 'Thank you for your rating! It helps us look after you better.';
export const INTERNAL_VOTE = "Only the customer's ratings count in this survey, so yours was not recorded.";
export const SURVEY_GONE = 'This survey is no longer open.';
