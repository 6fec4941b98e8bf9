import { describe, expect, it } from 'vitest';
import { dateTokenProblems, MESSAGE_BLOCK_TYPES, validateBlocks } from './slack-blocks.js';

/** The fake's Block Kit checks for static selects and `<!date>` tokens, against Slack's documented shapes. */

const check = (blocks: unknown[]) =>
  validateBlocks(blocks, { pointer: '/blocks', maxBlocks: 50, allowed: MESSAGE_BLOCK_TYPES }).map(
    (p) => `${p.message} [${p.pointer}]`,
  );
const option = (text: string, value: string) => ({ text: { type: 'plain_text', text }, value });
const select = (over: Record<string, unknown>) => [
  { type: 'actions', elements: [{ type: 'static_select', action_id: 'pick', ...over }] },
];

describe('static_select in an actions block', () => {
  it('takes options, or option_groups, with an initial option that is one of them', () => {
    const options = [option('Urgent', 'x|urgent'), option('Low', 'x|low')];
    expect(
      check(
        select({
          placeholder: { type: 'plain_text', text: 'Priority' },
          options,
          initial_option: { value: 'x|low', text: { text: 'Low', type: 'plain_text' } },
        }),
      ),
    ).toEqual([]);
    expect(check(select({ option_groups: [{ label: { type: 'plain_text', text: 'Team' }, options }] }))).toEqual([]);
  });

  it('refuses what Slack refuses', () => {
    const options = [option('Urgent', 'x|urgent')];
    expect(check(select({}))).toEqual(['must provide exactly one of options or option_groups [/blocks/0/elements/0]']);
    expect(check(select({ options, option_groups: [] }))).toEqual([
      'must provide exactly one of options or option_groups [/blocks/0/elements/0]',
    ]);
    expect(check(select({ options: [] }))).toEqual(['must provide at least 1 item [/blocks/0/elements/0/options]']);
    expect(check(select({ options: Array.from({ length: 101 }, (_, i) => option(`o${i}`, `v${i}`)) }))).toEqual([
      'no more than 100 items allowed [/blocks/0/elements/0/options]',
    ]);
    expect(check(select({ options: [option('x', 'v'.repeat(151))] }))).toEqual([
      'must be less than 151 characters [/blocks/0/elements/0/options/0/value]',
    ]);
    expect(check(select({ options: [option('x'.repeat(76), 'v')] }))).toEqual([
      'must be less than 76 characters [/blocks/0/elements/0/options/0/text/text]',
    ]);
    expect(check(select({ options: [{ text: { type: 'mrkdwn', text: '*x*' }, value: 'v' }] }))).toEqual([
      'must be plain_text [/blocks/0/elements/0/options/0/text/type]',
    ]);
    expect(check(select({ options: [{ text: { type: 'plain_text', text: 'x' } }] }))).toEqual([
      'missing required field: value [/blocks/0/elements/0/options/0]',
    ]);
    expect(check(select({ options, placeholder: { type: 'plain_text', text: 'p'.repeat(151) } }))).toEqual([
      'must be less than 151 characters [/blocks/0/elements/0/placeholder/text]',
    ]);
    expect(check(select({ options, initial_option: option('Low', 'x|low') }))).toEqual([
      'must exactly match one of the options [/blocks/0/elements/0/initial_option]',
    ]);
  });
});

describe('<!date> tokens in mrkdwn', () => {
  it('accepts the documented forms', () => {
    expect(
      dateTokenProblems('<!date^1392734382^Posted {date_num} {time_secs}|Posted 2014-02-18 6:39:42 AM PST>'),
    ).toEqual([]);
    expect(
      dateTokenProblems(
        'due <!date^1392734382^{date_short}^https://example.com/|Feb 18, 2014 PST> and <!date^1392734382^{ago}|earlier>',
      ),
    ).toEqual([]);
  });

  it('refuses a token a reader would see raw: milliseconds, no fallback, an unknown format, no format at all', () => {
    expect(dateTokenProblems('<!date^1392734382000^{date}|x>')[0]).toMatch(/^invalid date token/);
    expect(dateTokenProblems('<!date^1392734382^{date}>')[0]).toMatch(
      /expected <!date\^unix_seconds\^token_string\^optional_link\|fallback_text>/,
    );
    expect(dateTokenProblems('<!date^1392734382^{hour}:{minute}|x>')).toEqual([
      'invalid date token <!date^1392734382^{hour}:{minute}|x>: unknown format token {hour}, {minute}',
    ]);
    expect(dateTokenProblems('<!date^1392734382^soon|x>')).toEqual([
      'invalid date token <!date^1392734382^soon|x>: the token string has no date or time token',
    ]);
  });

  it('is checked in every mrkdwn text of the blocks', () => {
    expect(check([{ type: 'context', elements: [{ type: 'mrkdwn', text: 'due <!date^1^{date}>' }] }])[0]).toMatch(
      /\[\/blocks\/0\/elements\/0\/text\]$/,
    );
  });
});
