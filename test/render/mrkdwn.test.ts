import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, markdownToMrkdwn } from '../../src/render/mrkdwn.js';

describe('markdownToMrkdwn', () => {
  it('renders a realistic customer-success answer', () => {
    const md = [
      '## Renewal risk: **Acme Corp**',
      '',
      'Acme renews in **45 days** and usage is _down_ — here is what I would do:',
      '',
      '### Signals',
      '- **Weekly active users** fell from 120 to 81 (~~stable~~ declining)',
      '- Their champion, *Dana*, left in March',
      '  - the new admin has not logged in',
      '- NPS dropped to 12 ([survey results](https://survey.example.com/r?id=7&src=slack))',
      '',
      '### Plan',
      '1. Book an executive business review',
      '2. Share the [adoption playbook](https://docs.example.com/playbooks/adoption)',
      '3. Track health weekly',
      '',
      '| Metric | Last quarter | Now |',
      '|---|---:|---:|',
      '| WAU | 120 | 81 |',
      '| Tickets | 4 | 19 |',
      '',
      '```sql',
      "SELECT account, health FROM accounts WHERE health < 50 AND name = 'A&B';",
      '```',
      '',
      '> Always confirm the renewal date with **Finance**.',
      '',
      '---',
      'Questions? See https://help.example.com/cs_playbook_v2.',
    ].join('\n');
    expect(markdownToMrkdwn(md)).toBe(
      [
        '*Renewal risk: Acme Corp*',
        '',
        'Acme renews in *45 days* and usage is _down_ — here is what I would do:',
        '',
        '*Signals*',
        '• *Weekly active users* fell from 120 to 81 (~stable~ declining)',
        '• Their champion, _Dana_, left in March',
        '    ◦ the new admin has not logged in',
        '• NPS dropped to 12 (<https://survey.example.com/r?id=7&amp;src=slack|survey results>)',
        '',
        '*Plan*',
        '1. Book an executive business review',
        '2. Share the <https://docs.example.com/playbooks/adoption|adoption playbook>',
        '3. Track health weekly',
        '',
        '```',
        'Metric  | Last quarter | Now',
        '--------+--------------+----',
        'WAU     |          120 |  81',
        'Tickets |            4 |  19',
        '```',
        '',
        '```',
        "SELECT account, health FROM accounts WHERE health &lt; 50 AND name = 'A&amp;B';",
        '```',
        '',
        '> Always confirm the renewal date with *Finance*.',
        '',
        '———',
        'Questions? See https://help.example.com/cs_playbook_v2.',
      ].join('\n'),
    );
  });

  it.each([
    ['**bold**', '*bold*'],
    ['__bold__', '*bold*'],
    ['*italic*', '_italic_'],
    ['_italic_', '_italic_'],
    ['***both***', '*_both_*'],
    ['**bold with _italic_ inside**', '*bold with _italic_ inside*'],
    ['~~strike~~', '~strike~'],
    ['# Title', '*Title*'],
    ['###### Deep *title* ###', '*Deep _title_*'],
    ['## A **bold** heading', '*A bold heading*'],
    ['- a\n* b\n+ c', '• a\n• b\n• c'],
    ['- a\n  - b\n    - c\n- d', '• a\n    ◦ b\n        ▪ c\n• d'],
    ['1. one\n2. two\n   - sub\n10) ten', '1. one\n2. two\n    ◦ sub\n10. ten'],
    ['- item\n  more about it', '• item\n  more about it'],
    ['- a\n\n- b', '• a\n\n• b'],
    ['[docs](https://x.com/docs)', '<https://x.com/docs|docs>'],
    ['[mail us](mailto:cs@x.com)', '<mailto:cs@x.com|mail us>'],
    ['[**bold** `label`](https://x.com)', '<https://x.com|bold label>'],
    ['[wiki](https://en.wikipedia.org/wiki/Foo_(bar))', '<https://en.wikipedia.org/wiki/Foo_(bar)|wiki>'],
    ['[a](https://x.com/?a=1&amp;b=2 "title")', '<https://x.com/?a=1&amp;b=2|a>'],
    ['[odd](https://x.com/a|b>c)', '<https://x.com/a%7Cb%3Ec|odd>'],
    ['[spaced](<https://x.com/a b>)', '<https://x.com/a%20b|spaced>'],
    ['[café](https://x.com/café)', '<https://x.com/caf%C3%A9|café>'],
    ['[click](javascript:alert(1))', 'click (javascript:alert(1))'],
    ['[rel](/docs/a)', 'rel (/docs/a)'],
    ['![chart](https://img.x.com/c.png)', '<https://img.x.com/c.png|chart>'],
    ['![](https://img.x.com/c.png)', '<https://img.x.com/c.png>'],
    ['<https://x.com/a>', '<https://x.com/a>'],
    ['<https://x.com|Slack style>', '<https://x.com|Slack style>'],
    ['see https://x.com/a_b_c and www', 'see https://x.com/a_b_c and www'],
    ['https://x.com/?a=1&b=2', 'https://x.com/?a=1&amp;b=2'],
    ['> quoted **text**\n> - item', '> quoted *text*\n> • item'],
    ['> outer\n>> inner', '> outer\n> inner'],
    ['---', '———'],
    ['***', '———'],
    ['- - -', '———'],
  ])('converts %j', (md, mrkdwn) => {
    expect(markdownToMrkdwn(md)).toBe(mrkdwn);
  });

  it.each([
    ['snake_case_names', 'snake_case_names'],
    ['2*3*4 = 24', '2*3*4 = 24'],
    ['a * b * c', 'a * b * c'],
    ['\\*not italic\\*', '*not italic*'],
    ['#hashtag', '#hashtag'],
    ['price: $5 * 3', 'price: $5 * 3'],
    ['1999. A good year', '1999. A good year'],
  ])('leaves %j alone', (md, mrkdwn) => {
    expect(markdownToMrkdwn(md)).toBe(mrkdwn);
  });

  it('escapes &, < and > in everything the model wrote', () => {
    expect(markdownToMrkdwn('a < b & c > d')).toBe('a &lt; b &amp; c &gt; d');
    expect(markdownToMrkdwn('**<!channel>** & _<@U1>_')).toBe('*&lt;!channel&gt;* &amp; _&lt;@U1&gt;_');
    expect(markdownToMrkdwn('[<b>](https://x.com)')).toBe('<https://x.com|&lt;b&gt;>');
  });

  it('reads HTML entities as Markdown does, then escapes them once', () => {
    expect(markdownToMrkdwn('AT&amp;T &lt;3 &copy; &#169;')).toBe('AT&amp;T &lt;3 &amp;copy; ©');
  });

  it('passes code through untouched except for escaping, and drops the language tag', () => {
    const md = [
      'Use `**not bold** <x> & _y_`:',
      '',
      '```typescript',
      'const a = b && c < d; // **kept** _kept_',
      '  indented',
      '```',
    ].join('\n');
    expect(markdownToMrkdwn(md)).toBe(
      [
        'Use `**not bold** &lt;x&gt; &amp; _y_`:',
        '',
        '```',
        'const a = b &amp;&amp; c &lt; d; // **kept** _kept_',
        '  indented',
        '```',
      ].join('\n'),
    );
  });

  it('handles tilde fences, fences inside lists, unterminated fences and empty blocks', () => {
    expect(markdownToMrkdwn('~~~\n# not a heading\n~~~')).toBe('```\n# not a heading\n```');
    expect(markdownToMrkdwn('- step:\n  ```bash\n  npm ci\n  ```')).toBe('• step:\n```\nnpm ci\n```');
    expect(markdownToMrkdwn('```\nnever closed\n- not a list')).toBe('```\nnever closed\n- not a list\n```');
    expect(markdownToMrkdwn('```\n\n```\nafter')).toBe('after');
  });

  it('breaks stray runs of backticks so only the fences made here open or close a code block', () => {
    const zwsp = '\u200B';
    expect(markdownToMrkdwn('Type ``` to start a block')).toBe(`Type \`\`${zwsp}\` to start a block`);
    expect(markdownToMrkdwn('&#96;&#96;&#96; and \\`\\`\\`')).toBe(`\`\`${zwsp}\` and \`\`${zwsp}\``);
    expect(markdownToMrkdwn('~~~md\n```ts\ncode\n```\n~~~')).toBe(
      `\`\`\`\n\`\`${zwsp}\`ts\ncode\n\`\`${zwsp}\`\n\`\`\``,
    );
    expect(markdownToMrkdwn('inline ```block``` stays')).toBe('inline ```block``` stays');
  });

  it('renders a table as aligned plain text in a code block', () => {
    const md = [
      '| Account | Owner | ARR | Note |',
      '| :--- | --- | ---: | --- |',
      '| **Acme** | [Dana](https://x.com/d) | $120k | uses `a|b` \\| pipes |',
      '| Globex & Co | Sam | $8k |',
      '| Initech | 😀 Lee | $1.2M | <br>ok |',
    ].join('\n');
    expect(markdownToMrkdwn(md)).toBe(
      [
        '```',
        'Account     | Owner                  |   ARR | Note',
        '------------+------------------------+-------+-----------------',
        'Acme        | Dana (https://x.com/d) | $120k | uses a|b | pipes',
        'Globex &amp; Co | Sam                    |   $8k |',
        'Initech     | 😀 Lee                 | $1.2M | ok',
        '```',
      ].join('\n'),
    );
  });

  it('keeps paragraphs and line breaks as written', () => {
    expect(markdownToMrkdwn('one\ntwo\n\n\nthree\r\nfour')).toBe('one\ntwo\n\n\nthree\nfour');
  });
});

describe('escapeMrkdwn', () => {
  it('escapes the three control characters and nothing else', () => {
    expect(escapeMrkdwn(`<&>"'*_~\``)).toBe(`&lt;&amp;&gt;"'*_~\``);
  });
});
