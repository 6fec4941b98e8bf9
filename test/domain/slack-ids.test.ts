import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ChannelId,
  SlackTs,
  TeamId,
  TriggerId,
  UserId,
  mention,
  mentionPattern,
  wordsBesides,
} from '../../src/domain/slack-ids.js';
import { decidedNotice, draftNotice, ownersAlert } from '../../src/render/draft-blocks.js';
import { mentionList } from '../../src/domain/escalation.js';

const HOSTILE = '<http://evil.example|click me>';

/** Strings that must never become markup, whatever field they arrive in. */
const NOT_IDS = [
  HOSTILE,
  '<!channel>',
  '<@U0LUNA>',
  'U0AL\u200bICE', // zero-width space
  '\u202eU0ALICE', // right-to-left override
  'C0LONE\udfff', // a lone UTF-16 surrogate
  'u0alice',
  'U0',
  `U${'0'.repeat(40)}`,
  'T0TEAM',
  'U0ALICE>',
  '',
];

describe('Slack ids and timestamps', () => {
  it('accepts what Slack sends and refuses everything else', () => {
    for (const ok of ['U0ALICE', 'W0ENTERPRISE1', 'B0BOT', 'U0123ABCD'])
      expect(UserId.safeParse(ok).success, ok).toBe(true);
    for (const ok of ['C0SUPPORT', 'G0PRIVATE', 'D0ALICE']) expect(ChannelId.safeParse(ok).success, ok).toBe(true);
    for (const ok of ['T0TEAM', 'E0GRID']) expect(TeamId.safeParse(ok).success, ok).toBe(true);
    for (const bad of NOT_IDS) {
      expect(UserId.safeParse(bad).success, bad).toBe(false);
      expect(ChannelId.safeParse(bad).success, bad).toBe(false);
    }
    expect(SlackTs.safeParse('1700000000.000100').success).toBe(true);
    for (const bad of ['1700000000', 'abc', '1700000000.000100\u200b', '1.2', `1700000000.${'0'.repeat(100)}`])
      expect(SlackTs.safeParse(bad).success, bad).toBe(false);
    expect(TriggerId.safeParse('13345224609.738474920.8088930838d88f008e0').success).toBe(true);
    expect(TriggerId.safeParse('9'.repeat(101)).success).toBe(false);
  });
});

describe('mention', () => {
  it('renders a well-formed id as the mention of its kind', () => {
    expect(mention('U0ALICE')).toBe('<@U0ALICE>');
    expect(mention('W0GRIDUSER')).toBe('<@W0GRIDUSER>');
    expect(mention('C0SUPPORT')).toBe('<#C0SUPPORT>');
    expect(mention('S0SALES')).toBe('<!subteam^S0SALES>');
  });

  it('renders anything else as plain, escaped text: never a link, a broadcast or somebody else’s mention', () => {
    for (const bad of NOT_IDS) {
      const out = mention(bad);
      expect(out, bad).not.toMatch(/[<>]/);
    }
    expect(mention(HOSTILE)).toBe('&lt;http://evil.example|click me&gt;');
    expect(mention('T0TEAM')).toBe('T0TEAM');
  });

  it('is what every renderer uses: a hostile id in a draft, a decision, an owners alert or an owner list stays text', () => {
    const link = '<https://acme.slack.com/archives/C0ACMESHARED/p1700000000000100|this thread>';
    const texts = [
      JSON.stringify(
        draftNotice({
          draftId: 'd1',
          threadLink: link,
          readers: 'Acme Corp',
          parts: ['Hello'],
          reason: 'customer_asked',
          askedBy: HOSTILE,
        }),
      ),
      JSON.stringify(decidedNotice({ threadLink: link, status: 'posted', by: HOSTILE, readers: 'Acme Corp' })),
      ownersAlert({ threadLink: link, askedBy: HOSTILE, readers: 'Acme Corp', excerpt: 'hi' }),
      mentionList(['U0CSM1', HOSTILE]),
    ];
    for (const t of texts) expect(t).not.toContain('<http://evil.example');
    expect(mentionList(['U0CSM1', 'S0EXEC'])).toBe('<@U0CSM1> <!subteam^S0EXEC>');
  });

  it('finds and strips a person’s mention in incoming text, with or without a label, and no one else’s', () => {
    expect('<@U0LUNA> digest'.replace(mentionPattern('U0LUNA', 'g'), '').trim()).toBe('digest');
    expect(mentionPattern('U0LUNA').test('hi <@U0LUNA|luna>')).toBe(true);
    expect(mentionPattern('U0LUNA').test('hi <@U0LUNAX>')).toBe(false);
    expect(wordsBesides('U0LUNA', ' <@U0LUNA|luna> what about <@U0CSM1>? <@U0LUNA> ')).toBe('what about <@U0CSM1>?');
    expect(wordsBesides('U0LUNA', undefined)).toBe('');
  });

  it('is the only place in src/ that writes <@…>, <#…> or <!subteam^…> around a value', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (file.endsWith('.ts') && !file.endsWith(path.join('domain', 'slack-ids.ts'))) {
          readFileSync(file, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (/<@\$\{|<#\$\{|<!subteam\^\$\{/.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    walk(path.resolve('src'));
    expect(offenders).toEqual([]);
  });
});
