import { proseLines } from './body.js';

/**
 * What the DM with LUNA offers before anyone types (suggested prompts) and shows while it works (loading
 * messages). A persona names its own in frontmatter (`suggestedPrompts`, `loadingMessages`); a chatmode file's
 * "Example Prompts" section serves as its prompts; without either, the app manifest's prompts apply.
 */

export interface SuggestedPrompt {
  title: string;
  message: string;
}

/** Slack shows at most four suggested prompts (assistant.threads.setSuggestedPrompts). */
export const MAX_SUGGESTED_PROMPTS = 4;
/** Slack rotates through at most ten loading messages (assistant.threads.setStatus). */
export const MAX_LOADING_MESSAGES = 10;

/** `features.agent_view.suggested_prompts` of manifest.yml (test/manifest.test.ts keeps the two the same). */
export const DEFAULT_SUGGESTED_PROMPTS: readonly SuggestedPrompt[] = [
  {
    title: 'Map a journey',
    message: 'Draft a customer journey map for new enterprise customers in their first 90 days.',
  },
  {
    title: 'Spot churn risk',
    message: 'Which signals should we watch to catch churn risk early in a mid-market account?',
  },
  { title: 'Act on feedback', message: 'How do we turn recurring onboarding complaints into an improvement plan?' },
];

export const DEFAULT_LOADING_MESSAGES: readonly string[] = [
  'Reading the thread…',
  'Thinking it through…',
  'Writing the answer…',
];

const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const ITEM = /^\s*(?:[-*+]|\d+[.)])\s+(.*)$/;
const TITLE_MAX = 40;

/**
 * The prompts of a chatmode file's "Example Prompts" section: its list items, quotes taken off, in order, at most
 * four. Sub-sections about edge cases, and items that show a NOT MY SCOPE answer (`"…" → NOT MY SCOPE: …`),
 * are examples of what not to ask and are left out.
 */
export function examplePrompts(body: string): SuggestedPrompt[] {
  const lines = proseLines(body);
  const start = lines.findIndex((l) => /\bexample prompts\b/i.test(HEADING.exec(l)?.[2] ?? ''));
  if (start === -1) return [];
  const level = HEADING.exec(lines[start]!)![1]!.length;
  const out: SuggestedPrompt[] = [];
  let skipping = false;
  for (const line of lines.slice(start + 1)) {
    const heading = HEADING.exec(line);
    if (heading) {
      if (heading[1]!.length <= level) break;
      skipping = /edge case|out of scope|not my scope/i.test(heading[2] ?? '');
      continue;
    }
    if (/^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/.test(line)) break; // a rule ends the section
    const item = ITEM.exec(line)?.[1];
    if (skipping || item === undefined || /NOT MY SCOPE|→|->/.test(item)) continue;
    const message = item
      .trim()
      .replace(/^["“'`]+|["”'`]+$/g, '')
      .trim();
    if (message) out.push({ title: titleOf(message), message });
    if (out.length === MAX_SUGGESTED_PROMPTS) break;
  }
  return out;
}

/** A short title for a prompt: its first words, up to TITLE_MAX characters. */
export function titleOf(message: string): string {
  const plain = message.replace(/[.!?:;,]+$/, '');
  if (plain.length <= TITLE_MAX) return plain;
  const cut = plain.slice(0, TITLE_MAX - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > 12 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '')}…`;
}
