import { describe, expect, it } from 'vitest';
import { decodeEntities, type MentionPolicy } from '../../src/domain/mention-safety.js';
import { renderAnswer } from '../../src/render/answer.js';
import { labelParts, splitMessage } from '../../src/render/split.js';

const policy: MentionPolicy = { users: new Set(['U0OWNER']), groups: new Set(['S0SALES']) };

/** mulberry32: small, seeded, good enough to make reproducible test inputs. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  'renewal',
  'churn',
  'the',
  'customer',
  'QBR',
  'NPS',
  '42%',
  '—',
  '.',
  ',',
  '!',
  '?',
  ' ',
  ' ',
  ' ',
  '\n',
  '\n\n',
  '<',
  '>',
  '&',
  '&amp;',
  '&lt;',
  '&#60;',
  '"',
  '*',
  '_',
  '~',
  '`',
  '|',
  '\\',
  '[',
  ']',
  '(',
  ')',
  '**bold**',
  '__bold__',
  '*it*',
  '_it_',
  '~~gone~~',
  '`a < b`',
  '`<!channel>`',
  '[docs](https://x.com/a?b=1&c=2)',
  '[bad](javascript:alert(1))',
  '![img](https://x.com/i.png)',
  'https://x.com/a_b_c',
  '<https://x.com|label>',
  '<@U0OWNER>',
  '<!subteam^S0SALES>',
  '<#C0CS>',
  '<@U0THEM>',
  '<!subteam^S0OTHER|@other>',
  '<!channel>',
  '<!here|here>',
  '<!EVERYONE>',
  '&lt;!channel&gt;',
  '＜!here＞',
  '<!chan\u200Bnel>',
  '<!chan\nnel>',
  '<<!here>>',
  '<!channel',
  '@here',
  '＠channel',
  '@\u200Beveryone',
  '&#64;here',
  '<@U0THEM|<!here>>',
  '\uE0000\uE001',
  '😀',
  '👩🏽‍💻',
  '🇩🇪',
  'é',
  '日本語',
  '\n# Heading ',
  '\n## **Bold** heading ',
  '\n- item ',
  '\n  - nested ',
  '\n1. first ',
  '\n> quote ',
  '\n---\n',
  '\n```ts\nconst a = b < c && d;\n',
  '\n```\n',
  '\n| a | b |\n|---|--:|\n| 1 | 2 |\n',
];

function randomMarkdown(next: () => number): string {
  const pieces: string[] = [];
  const count = 5 + Math.floor(next() * 120);
  for (let i = 0; i < count; i++) {
    const roll = next();
    if (roll < 0.03)
      pieces.push('z'.repeat(Math.floor(next() * 900))); // a long run without spaces
    else pieces.push(FRAGMENTS[Math.floor(next() * FRAGMENTS.length)]!);
  }
  return pieces.join(next() < 0.5 ? '' : ' ');
}

/** Everything Slack reads as a control sequence must be one this module meant. */
const INTENDED_TOKEN =
  /<(?:@U0OWNER|!subteam\^S0SALES|#C[A-Z0-9]+(?:\|[^<>]*)?|!date\^[^<>]*|(?:https?:\/\/|mailto:)[^\s<>|]+(?:\|[^<>]*)?)>/g;

function expectSafeMrkdwn(text: string): void {
  const outsideTokens = text.replace(INTENDED_TOKEN, '');
  expect(outsideTokens).not.toMatch(/</);
  expect(outsideTokens.replace(/^>(?: |$)/gm, '')).not.toMatch(/>/); // a raw `>` only as a quote marker
  expect(text.replace(/&(?:amp|lt|gt);/g, '')).not.toMatch(/&/);
  const seen = decodeEntities(text)
    .normalize('NFKC')
    .replace(/\p{Default_Ignorable_Code_Point}/gu, (ch, at: number, all: string) =>
      ch === '\u2060' && all[at - 1] === '@' ? ch : '',
    );
  expect(seen).not.toMatch(/<\s*!\s*(channel|here|everyone|group)/i);
  expect(seen).not.toMatch(/(?<![\p{L}\p{N}_.+\-/=@])@(channel|here|everyone)(?![\p{L}\p{N}_])/iu);
  expect(seen.match(/<@[UW]\w*|<!subteam\^\w*/gi) ?? []).toSatisfy((found: string[]) =>
    found.every((t) => t === '<@U0OWNER' || t === '<!subteam^S0SALES'),
  );
}

describe('render and split invariants on 200 random model answers', () => {
  const next = random(20240611);
  const cases = Array.from({ length: 200 }, (_, i) => ({
    i,
    md: randomMarkdown(next),
    max: 120 + Math.floor(next() * 1400),
  }));

  it.each(cases)('case $i', ({ md, max }) => {
    const { text } = renderAnswer(md, policy);
    expectSafeMrkdwn(text);
    const parts = labelParts(splitMessage(text, max));
    const unlabelled = splitMessage(text, max);
    const content = (s: string) => s.replaceAll('```', '').replace(/\s+/g, '');
    expect(content(unlabelled.join(''))).toBe(content(text));
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(max);
      expect(part.trim()).not.toBe('');
      expect(part.split('```').length % 2).toBe(1);
    }
    // A part keeps every token whole unless that one token is longer than a whole part.
    const longestToken = Math.max(0, ...(text.match(/<[^<>\n]*>/g) ?? []).map((t) => t.length));
    if (longestToken < max / 2) for (const part of unlabelled) expectSafeMrkdwn(part);
  });
});
