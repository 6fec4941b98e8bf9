import { describe, expect, it } from 'vitest';
import { neutraliseMentions, type MentionPolicy } from '../../src/domain/mention-safety.js';
import { MentionSafeStream, releasableLength } from '../../src/domain/stream-release.js';

const policy: MentionPolicy = { users: new Set(['U0ALICE']), groups: new Set(['S0SALES']) };

/** Strings a model (or a thread it quotes) could write to get a notification out, spelled every way the filter knows. */
const ADVERSARIAL = [
  'Heads up <!channel> and <!here>, also <!everyone>!',
  'Ping <@U0MALLORY> and <!subteam^S0RANDOM|@team>, thanks <@U0ALICE> and <!subteam^S0SALES>.',
  'Bare @here and @channel and @everyone, but bob@here.com is mail.',
  'Entities: &lt;!channel&gt; and &#60;!here&#62; and &#64;everyone and &commat;here.',
  'Full width ＜!channel＞ and ＠here, upper <!CHANNEL> and <!Here|here>.',
  'Broken <!chan\nnel> and <\n!here> and <!every\n  one>.',
  'Nested <@U9|<!here>> and <@U0ALICE|<!channel>> and <<!here>>.',
  'Invisible @\u200Bhere and <!\u2060channel> and @&#8203;here.',
  'Comparisons x < 3 and y > 2, links <https://example.com|site> and <#C0GENERAL|general>.',
  '**Bold** `code <!here>` and\n```\n<!channel>\n```\nend @sales and @marketing.',
  'Unclosed <!channel and more text and <@U0MALLORY is here',
];

/** What someone reading Slack could be notified by: anything the filter would still take out of the visible text. */
function live(visible: string): string[] {
  return neutraliseMentions(visible, policy).removed;
}

/** A reproducible pseudo-random sequence (mulberry32), so a failure names a seed that replays it. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `text` cut into chunks of 1–`max` code points at random places. */
function chunksOf(text: string, next: () => number, max: number): string[] {
  const cps = [...text];
  const out: string[] = [];
  for (let i = 0; i < cps.length;) {
    const n = 1 + Math.floor(next() * max);
    out.push(cps.slice(i, i + n).join(''));
    i += n;
  }
  return out;
}

/** Every state a reader could see while the answer streams: the released pieces, concatenated after each chunk. */
function states(chunks: string[]): string[] {
  const stream = new MentionSafeStream(policy);
  const seen: string[] = [];
  let visible = '';
  for (const c of chunks) {
    visible += stream.push(c);
    seen.push(visible);
  }
  visible += stream.end();
  seen.push(visible);
  return seen;
}

describe('releasableLength', () => {
  it.each([
    ['plain words', 'Re-engage the sponsor', 21],
    ['an unclosed opener', 'Hi <!chan', 3],
    ['an opener broken over a line', 'Hi <!chan\n', 3],
    ['an opener and nothing yet', 'Hi <', 3],
    ['whitespace after an opener (a line break could still join a sigil to it)', 'Hi <  ', 3],
    ['a closed token (the filter judges it whole)', 'Hi <!channel> there', 19],
    ['a comparison, which cannot become a mention', 'x < 3 and', 9],
    ['a trailing @word', 'ask @sal', 4],
    ['a trailing @', 'ask @', 4],
    ['an entity still being written', 'see &lt', 4],
    ['a complete entity that reads as an opener', 'see &lt;!her', 4],
    ['full-width opener', 'see ＜!her', 4],
    ['an e-mail address at the end', 'mail bob@her', 8],
  ])('%s', (_, text, expected) => {
    expect(releasableLength(text)).toBe(expected);
  });

  it('lets go of an opener once it is too long to be a token', () => {
    const text = `x <!chan ${'a'.repeat(200)}`;
    expect(releasableLength(text)).toBe(text.length);
    expect(releasableLength(`x <!chan ${'a'.repeat(190)}`)).toBe(2);
  });
});

describe('MentionSafeStream', () => {
  it('never shows <!chan + nel> as a broadcast, not even in between', () => {
    const seen = states(['Heads up <!chan', 'nel> please']);
    expect(seen).toEqual(['Heads up ', 'Heads up @\u2060channel please', 'Heads up @\u2060channel please']);
  });

  it('shows allowed mentions and plain words as soon as they are settled', () => {
    expect(states(['Thanks <@U0AL', 'ICE> for ', 'the update'])).toEqual([
      'Thanks ',
      'Thanks <@U0ALICE> for ',
      'Thanks <@U0ALICE> for the update',
      'Thanks <@U0ALICE> for the update',
    ]);
  });

  it('holds a trailing @word until it is a word, then filters it', () => {
    expect(states(['ask @he', 're now'])).toEqual(['ask ', 'ask @\u2060here now', 'ask @\u2060here now']);
    expect(states(['ask @sa', 'les.'])).toEqual(['ask ', 'ask @sales.', 'ask @sales.']);
  });

  // Property-style: 200 random splits of each adversarial string (chunks of 1–7 code points, and single
  // characters), and every intermediate state is checked, not only the end.
  it.each(ADVERSARIAL)('no released prefix of %j ever holds a live mention, however it is split', (text) => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      for (const state of states(chunksOf(text, next, seed % 2 ? 7 : 1)))
        expect(live(state), `seed ${seed}: ${JSON.stringify(state)}`).toEqual([]);
    }
  });

  it('the oracle is sound: the filter takes nothing out of its own output, and does take out what is live', () => {
    for (const text of ADVERSARIAL) {
      const safe = neutraliseMentions(text, policy).text;
      expect(live(safe)).toEqual([]);
    }
    expect(live('<!chan' + 'nel>')).toEqual(['<!channel>']);
  });

  it('releases everything, filtered, when the answer ends', () => {
    const stream = new MentionSafeStream(policy);
    expect(stream.push('trailing @her')).toBe('trailing ');
    expect(stream.end()).toBe('@her');
    expect(stream.released).toBe('trailing @her'.length);
  });
});
