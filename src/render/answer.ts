import { neutraliseMentions, type MentionPolicy } from '../domain/mention-safety.js';
import { markdownToMrkdwn } from './mrkdwn.js';

// Private-use sentinels carry allowed mentions through the converter: Markdown treats them as plain text and
// escaping leaves them alone. They are stripped from the input first, so the model cannot forge one.
const SENTINELS = /[\uE000\uE001]/g;
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

/**
 * Model Markdown → Slack mrkdwn that is safe to post: every mention the policy does not allow is made
 * inert (and reported in `removed`), everything else the model wrote is escaped, allowed mentions stay live.
 */
export function renderAnswer(markdown: string, policy: MentionPolicy): { text: string; removed: string[] } {
  const kept: string[] = [];
  const safe = neutraliseMentions(
    markdown.replace(SENTINELS, ''),
    policy,
    (token) => `\uE000${kept.push(token) - 1}\uE001`,
  );
  const text = markdownToMrkdwn(safe.text).replace(PLACEHOLDER, (_m, i: string) => kept[Number(i)] ?? '');
  return { text, removed: safe.removed };
}
