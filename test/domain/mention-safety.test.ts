import { describe, expect, it } from 'vitest';
import { decodeEntities, neutraliseMentions, type MentionPolicy } from '../../src/domain/mention-safety.js';
import { renderAnswer } from '../../src/render/answer.js';

const policy: MentionPolicy = { users: new Set(['U0OWNER']), groups: new Set(['S0SALES']) };
const WJ = '\u2060';

/**
 * Reads `text` the way a hostile reviewer would: entities decoded, width folded, invisible characters gone
 * (except the word joiner this module itself puts after "@"), then looks for anything Slack could notify on.
 */
function expectNothingNotifies(text: string): void {
  const seen = decodeEntities(text)
    .normalize('NFKC')
    .replace(/\p{Default_Ignorable_Code_Point}/gu, (ch, at: number, all: string) =>
      ch === WJ && all[at - 1] === '@' ? ch : '',
    );
  expect(seen).not.toMatch(/<\s*!\s*(channel|here|everyone|group)/i);
  // After a word, dot or slash it is an address or a URL path, which Slack never treats as a mention.
  expect(seen).not.toMatch(/(?<![\p{L}\p{N}_.+\-/=@])@(channel|here|everyone)(?![\p{L}\p{N}_])/iu);
  for (const [, id] of seen.matchAll(/<@([UW][A-Z0-9]+)/gi)) expect(policy.users.has(id!)).toBe(true);
  for (const [, id] of seen.matchAll(/<!subteam\^(\w+)/gi)) expect(policy.groups.has(id!)).toBe(true);
}

/** Checks both the neutralised Markdown and the final Slack text. */
function check(input: string): { text: string; removed: string[] } {
  const safe = neutraliseMentions(input, policy);
  expectNothingNotifies(safe.text);
  const rendered = renderAnswer(input, policy);
  expectNothingNotifies(rendered.text);
  expect(rendered.removed).toEqual(safe.removed);
  return safe;
}

describe('neutraliseMentions', () => {
  it.each([
    ['<!channel>', '@⁠channel'],
    ['<!here>', '@⁠here'],
    ['<!everyone>', '@⁠everyone'],
    ['<!here|here>', '@⁠here'],
    ['<!channel|@channel>', '@⁠channel'],
    ['<!group>', '@⁠group'],
    ['<!channel^extra>', '@⁠channel'],
  ])('makes the broadcast %j inert', (input, inert) => {
    const safe = check(`Heads up ${input} please read`);
    expect(safe.text).toBe(`Heads up ${inert} please read`);
    expect(safe.removed).toEqual([input]);
  });

  it.each([
    ['upper case', '<!CHANNEL>'],
    ['mixed case', '<!HeRe>'],
    ['HTML entities', '&lt;!channel&gt;'],
    ['decimal entities', '&#60;!here&#62;'],
    ['hex entities', '&#x3C;!everyone&#x3e;'],
    ['padded entities', '&#060;!here&#062;'],
    ['an entity for the bang', '&lt;&#33;channel&gt;'],
    ['a zero-width space inside', '<!chan\u200Bnel>'],
    ['a zero-width joiner after <', '<\u200D!here>'],
    ['a BOM before >', '<!here\uFEFF>'],
    ['a soft hyphen', '<!every\u00ADone>'],
    ['full-width brackets', '＜!channel＞'],
    ['a full-width bang', '<！here>'],
    ['full-width letters', '<!ｃｈａｎｎｅｌ>'],
    ['small-form brackets', '﹤!here﹥'],
    ['a line break inside', '<!chan\nnel>'],
    ['a line break before >', '<!here\n>'],
    ['nested brackets', '<<!channel>>'],
    ['unterminated', '<!channel and then some text'],
    ['unterminated entity form', '&lt;!here is what I think'],
  ])('catches a broadcast spelled with %s', (_how, input) => {
    const safe = check(`FYI ${input} end`);
    expect(safe.removed).toHaveLength(1);
    expect(safe.text).toMatch(/@\u2060(channel|here|everyone)/);
  });

  it.each([
    ['@channel', 'Ping @channel now'],
    ['@here with punctuation', 'Ping @here! now'],
    ['capitalised', 'Ping @Everyone, now'],
    ['in bold', 'Ping **@here** now'],
    ['full-width at', 'Ping ＠channel now'],
    ['small-form at', 'Ping ﹫here now'],
    ['zero-width after @', 'Ping @\u200Bchannel now'],
    ['zero-width inside the word', 'Ping @ev\u200Ceryone now'],
    ['an entity for @', 'Ping &#64;channel now'],
    ['an entity for a letter', 'Ping @&#99;hannel now'],
    ['&commat;', 'Ping &commat;here now'],
    ['in a code span', 'Type `@channel` to ping'],
    ['glued to an entity', 'Ping @channel&amp;co now'],
    ['at the start of a line', '@here the renewal is at risk'],
  ])('catches bare broadcast words: %s', (_how, input) => {
    const safe = check(input);
    expect(safe.removed).toHaveLength(1);
  });

  it('catches words run together with broadcasts', () => {
    const safe = check('<!channelrenewal @channel&#64;here <!HERE_team>');
    // `…l@here` reads as an address, as everywhere else: only the first word could notify.
    expect(safe.text).toBe('@⁠channelrenewal @⁠channel&#64;here @⁠here_team');
    expect(safe.removed).toEqual(['<!HERE_team>', '<!channelrenewal', '@channel']);
  });

  it('catches broadcasts inside code spans and code blocks, where Slack still parses them', () => {
    const safe = check('Run `<!channel>` or:\n```\nnotify <!here> and <@U999>\n```');
    expect(safe.removed).toEqual(['<!channel>', '<!here>', '<@U999>']);
  });

  it.each([
    ['<@U999>', '@⁠U999'],
    ['<@W123ABC>', '@⁠W123ABC'],
    ['<@U999|bob>', '@⁠bob'],
    ['<@u999>', '@⁠u999'],
    ['&lt;@U999&gt;', '@⁠U999'],
    ['<@U9\n99>', '@⁠U999'],
    ['<@U999', '@⁠U999'],
  ])('makes the unlisted user %j inert', (input, inert) => {
    const safe = check(`Ask ${input} about it`);
    expect(safe.text).toBe(`Ask ${inert} about it`);
    expect(safe.removed).toEqual([input]);
  });

  it.each([
    ['<!subteam^S1>', '@⁠S1'],
    ['<!subteam^S1|@cs-team>', '@⁠cs-team'],
    ['<!SUBTEAM^s1>', '@⁠s1'],
    ['<!sub\nteam^S1>', '@⁠S1'],
    ['&lt;!subteam^S1&gt;', '@⁠S1'],
  ])('makes the unlisted group %j inert', (input, inert) => {
    const safe = check(`Loop in ${input} today`);
    expect(safe.text).toBe(`Loop in ${inert} today`);
  });

  it('neutralises a token wrapped around another one, reporting both', () => {
    const safe = check('see <@U999|<!here>> and <!subteam^S1|<!channel>>');
    expect(safe.text).toBe('see @⁠U999 and @⁠S1');
    expect(safe.removed).toEqual(['<!here>', '<!channel>', '<@U999|@⁠here>', '<!subteam^S1|@⁠channel>']);
  });

  it('judges a token by its sigil when its close is missing or mangled', () => {
    const safe = check('Ask <@U999|<!script>> and <!subteam^S1|<b>> today');
    expect(safe.text).toBe('Ask @⁠U999|<!script>> and @⁠S1|<b>> today');
    expect(safe.removed).toEqual(['<@U999', '<!subteam^S1']);
  });

  it('keeps allowed mentions live, rebuilt in canonical form', () => {
    const input = [
      '<@U0OWNER>',
      '<@U0OWNER|owner>',
      '&lt;@U0OWNER&gt;',
      '<@u0owner>',
      '<!subteam^S0SALES>',
      '<!subteam^S0SALES|@sales>',
    ].join(' ');
    const safe = check(input);
    expect(safe.text).toBe('<@U0OWNER> <@U0OWNER> <@U0OWNER> <@U0OWNER> <!subteam^S0SALES> <!subteam^S0SALES>');
    expect(safe.removed).toEqual([]);
  });

  it('keeps channel links and dates, which never notify', () => {
    const input = 'Post in <#C0FEEDBACK> or <#C0CS|cs-leads> by <!date^1700000000^{date_short}|Nov 14, 2023>.';
    expect(check(input).text).toBe(input);
  });

  it('leaves ordinary text alone', () => {
    const input = 'Mail ops@here.com or see https://x.com/@channel, the @channels list, a < b > c, and <b>bold</b>.';
    const safe = check(input);
    expect(safe.text).toBe(input);
    expect(safe.removed).toEqual([]);
  });

  it('is idempotent: its own output reports nothing new', () => {
    const once = neutraliseMentions('<!channel> @here <@U999> <@U0OWNER>', policy);
    const twice = neutraliseMentions(once.text, policy);
    expect(twice.text).toBe(once.text);
    expect(twice.removed).toEqual([]);
  });

  it('lets the caller decide how allowed tokens are written', () => {
    const seen: string[] = [];
    const safe = neutraliseMentions('<@U0OWNER> and <#C1>', policy, (token) => `[${seen.push(token)}]`);
    expect(safe.text).toBe('[1] and [2]');
    expect(seen).toEqual(['<@U0OWNER>', '<#C1>']);
  });
});

describe('decodeEntities', () => {
  it('decodes named and numeric entities but never control or private-use characters', () => {
    expect(decodeEntities('&amp; &lt; &#64; &#x40; &commat; &unknown;')).toBe('& < @ @ @ &unknown;');
    expect(decodeEntities('&#0; &#x1b; &#xE000; &#xD800;')).toBe('&#0; &#x1b; &#xE000; &#xD800;');
  });
});
