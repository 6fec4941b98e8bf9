import { describe, expect, it } from 'vitest';
import { renderAnswer } from '../../src/render/answer.js';
import { LABEL_RESERVE, labelParts, splitMessage } from '../../src/render/split.js';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const FENCE = '```';

/** Every non-whitespace character, in order; fences are left out because splitting adds them. */
function content(text: string): string {
  return text.replaceAll(FENCE, '').replace(/\s+/g, '');
}

function expectWellFormedParts(text: string, parts: string[], maxChars: number): void {
  expect(parts.length).toBeGreaterThan(0);
  for (const part of parts) {
    expect(part.length).toBeLessThanOrEqual(maxChars);
    expect(part.trim()).not.toBe('');
    expect(part.split(FENCE).length % 2, `unbalanced fences in ${JSON.stringify(part.slice(0, 80))}…`).toBe(1);
    // Every `<` closes within the part: no link or mention token was cut.
    expect(part.replace(/<[^<>\n]*>/g, '')).not.toMatch(/</);
    // Every `&` begins a whole entity.
    expect(part.replace(/&(?:amp|lt|gt);/g, '')).not.toMatch(/&/);
  }
  expect(content(parts.join('\n'))).toBe(content(text));
  // A part ending inside an emoji (surrogate pair, ZWJ sequence, flag) would segment differently on its own.
  // (Array.from with a map: each segment object holds the whole input, so keeping them all exhausts memory.)
  const clusters = (s: string) => Array.from(graphemes.segment(content(s)), (g) => g.segment).join('\u0000');
  expect(parts.map(clusters).filter(Boolean).join('\u0000') === clusters(text)).toBe(true);
}

describe('splitMessage', () => {
  it('returns a short message as one part, and nothing for blank text', () => {
    expect(splitMessage('Hello *there*\n')).toEqual(['Hello *there*']);
    expect(splitMessage('  \n\n ')).toEqual([]);
    expect(splitMessage('')).toEqual([]);
  });

  it('prefers paragraph breaks, then line breaks, then sentence ends, then spaces', () => {
    const para = (n: number) => `${'word '.repeat(n).trim()}.`;
    expect(splitMessage(`${para(20)}\n\n${para(20)}\nnext line`, 200)).toEqual([para(20), `${para(20)}\nnext line`]);
    expect(splitMessage(`${para(20)}\n${para(20)}`, 150)).toEqual([para(20), para(20)]);
    expect(splitMessage(`${para(20)} Second sentence goes here, ${'and on '.repeat(10)}`, 150)[0]).toBe(para(20));
    const words = 'alpha beta gamma delta '.repeat(10).trim();
    const parts = splitMessage(words, 100);
    for (const part of parts) expect(part).toMatch(/^(alpha|beta|gamma|delta)( (alpha|beta|gamma|delta))*$/);
    expectWellFormedParts(words, parts, 100);
  });

  it('cuts long runs without spaces, but never inside a token, an entity or an emoji', () => {
    const text = `${'x'.repeat(70)}<https://example.com/${'p'.repeat(30)}|a link label>${'&amp;'.repeat(40)}${'👩🏽‍💻🇩🇪é'.repeat(40)}`;
    // From 100 on, the 66-character link fits in a part; only a token longer than a whole part is ever cut.
    for (let max = 100; max <= 260; max += 7) expectWellFormedParts(text, splitMessage(text, max), max);
  });

  it('keeps mention tokens whole wherever the limit falls', () => {
    const text = Array.from({ length: 40 }, (_, i) => `see <@U0OWNER> and <!subteam^S0SALES|@sales> re ${i}`).join(' ');
    for (let max = 64; max <= 160; max++) expectWellFormedParts(text, splitMessage(text, max), max);
  });

  it('closes a code block at the end of a part and reopens it in the next', () => {
    const code = Array.from({ length: 40 }, (_, i) => `    step(${i}); // indented`).join('\n');
    const text = `Run this:\n\n\`\`\`\n${code}\n\`\`\`\n\nThen check the result.`;
    const parts = splitMessage(text, 300);
    expectWellFormedParts(text, parts, 300);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts.slice(1, -1)) {
      expect(part.startsWith('```\n    step(')).toBe(true); // indentation of the first line survives
      expect(part.endsWith('\n```')).toBe(true);
    }
    expect(parts.at(-1)).toMatch(/Then check the result\.$/);
  });

  it('does not leave an empty code block behind when the cut falls at a fence', () => {
    const text = `${'intro words here. '.repeat(8)}\n\`\`\`\n${'a'.repeat(60)}\n\`\`\`\n${'outro words here. '.repeat(8)}`;
    for (let max = 64; max <= 260; max++) {
      for (const part of splitMessage(text, max)) expect(part).not.toMatch(/```\n*```/);
    }
  });

  it('splits a 56,000-character answer into ordered parts of at most 3,500 characters', () => {
    const text = renderAnswer(longAnswer(), { users: new Set(['U0OWNER']), groups: new Set(['S0SALES']) }).text;
    expect(text.length).toBeGreaterThanOrEqual(56_000);
    const parts = splitMessage(text);
    expect(parts.length).toBeGreaterThanOrEqual(16);
    expectWellFormedParts(text, parts, 3500);
    // Order: each section marker appears in increasing part order.
    const where = (marker: string) => parts.findIndex((p) => p.includes(marker));
    const order = Array.from({ length: 12 }, (_, i) => where(`Section ${i + 1} `));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order.every((i) => i >= 0)).toBe(true);
    // Every part leaves room for its label.
    for (const part of labelParts(parts)) expect(part.length).toBeLessThanOrEqual(3500);
  });

  it('rejects limits too small to hold a fence and a label', () => {
    expect(() => splitMessage('text', 10)).toThrow(RangeError);
  });
});

describe('labelParts', () => {
  it('labels only when there are several parts, and stays within the limit', () => {
    expect(labelParts(['only one'])).toEqual(['only one']);
    expect(labelParts(['a', '```\ncode\n```', 'c'])).toEqual(['a _(1/3)_', '```\ncode\n```\n_(2/3)_', 'c _(3/3)_']);
    const text = 'sentence of moderate length. '.repeat(400);
    const labelled = labelParts(splitMessage(text, 500));
    expect(labelled.length).toBeGreaterThan(20);
    for (const part of labelled) expect(part.length).toBeLessThanOrEqual(500);
    expect(LABEL_RESERVE).toBe(' _(9999/9999)_'.length);
  });
});

/** A long, mixed model answer: prose, a 10,000-character code block, tables, long unbroken lines, emoji. */
function longAnswer(): string {
  const sections: string[] = [];
  for (let s = 1; s <= 12; s++) {
    sections.push(`## Section ${s} — account review`);
    for (let p = 0; p < 4; p++) {
      sections.push(
        `Section ${s} paragraph ${p}: **Acme** usage fell 12% & NPS < 20, so loop in <@U0OWNER> (not <!channel>). ` +
          'Customers who adopt the reporting module renew at higher rates; we should schedule a walkthrough 🚀 with their admin team. '.repeat(
            4,
          ),
      );
    }
    sections.push('- first step\n- second step with a [link](https://example.com/a?b=1&c=2)\n  - nested 👩‍👩‍👧‍👦 detail');
    if (s === 4) sections.push(`\`\`\`python\n${codeBlock(10_000)}\n\`\`\``);
    if (s === 7) sections.push(`Raw export: ${'ABCDEFGHIJ0123456789'.repeat(300)}`);
    if (s === 9)
      sections.push('| Account | ARR | Risk |\n|---|---:|---|\n| Acme | $120k | High |\n| Globex | $80k | Low |');
    if (s === 10) sections.push(`${'🇺🇸🇩🇪👍🏽'.repeat(900)}`);
  }
  return sections.join('\n\n');
}

function codeBlock(chars: number): string {
  const lines: string[] = [];
  for (let i = 0; lines.join('\n').length < chars; i++) {
    lines.push(
      i % 25 === 24
        ? `x = "${'z'.repeat(400)}"`
        : `    if health[${i}] < 50 and owner != "<@U0OWNER>": alert(${i})  # keep`,
    );
  }
  return lines.join('\n');
}
