import { describe, expect, it } from 'vitest';
import { isPleasantry } from '../../src/domain/pleasantry.js';

describe('isPleasantry: what never opens a request, decided without a model', () => {
  it.each([
    'Hi!',
    'hello team',
    'Good morning everyone :wave:',
    'Hey <@U0CSM1>',
    'Thanks!',
    'thank you so much for the quick reply',
    'Thanks Anna!',
    'Hi Tom,',
    'thx',
    'Many thanks, much appreciated 🙏',
    'ok',
    'Okay, got it.',
    'Sounds good, thanks!',
    'Perfect, that works :+1::skin-tone-3:',
    'great news, thanks again',
    'no worries',
    'LGTM',
    'Have a great weekend!',
    'bye',
    ':tada:',
    '👍',
    '🙏🏽',
    ':)',
    ':white_check_mark: :white_check_mark:',
    'Danke schön!',
  ])('%j is a pleasantry', (text) => {
    expect(isPleasantry(text)).toBe(true);
  });

  it.each([
    'Hi, the export to CSV fails since this morning',
    'hello?',
    'Thanks, but the invoice is still wrong',
    'ok so how do I reset my password',
    'Great, can you also add SSO',
    'Any update?',
    'Our dashboard is down',
    'Thanks Anna for the fix, one more thing: the API returns 500',
    'The webhook fails :scream:',
    'urgent',
    '',
    '   ',
    'hi hi hi hi hi hi hi hi hi hi hi hi hi hi hi',
  ])('%j is not a pleasantry', (text) => {
    expect(isPleasantry(text)).toBe(false);
  });

  it('takes only one name after a greeting, and none after an acknowledgement', () => {
    expect(isPleasantry('Thanks Anna Smith')).toBe(false);
    expect(isPleasantry('Great Export')).toBe(false);
  });
});
