import { describe, expect, it } from 'vitest';
import type { MentionPolicy } from '../../src/domain/mention-safety.js';
import { renderAnswer } from '../../src/render/answer.js';

const policy: MentionPolicy = { users: new Set(['U0OWNER', 'U0ASKER']), groups: new Set(['S0SALES']) };

describe('renderAnswer', () => {
  it('renders a realistic answer: formatting converted, text escaped, allowed mentions live, the rest inert', () => {
    const md = [
      '### Churn risk: Globex',
      '',
      "Thanks <@U0ASKER>! Here's the summary & next steps:",
      '',
      '- **Health score** < 40 for 3 weeks',
      '- Owner: <@U0OWNER>; escalate to <!subteam^S0SALES> if the EBR slips',
      '- Do **not** ping <!channel> or <@U0STRANGER> about this',
      '',
      '```',
      'health < 40 && seats > 100   # notify <!here>',
      '```',
    ].join('\n');
    const { text, removed } = renderAnswer(md, policy);
    expect(text).toBe(
      [
        '*Churn risk: Globex*',
        '',
        "Thanks <@U0ASKER>! Here's the summary &amp; next steps:",
        '',
        '• *Health score* &lt; 40 for 3 weeks',
        '• Owner: <@U0OWNER>; escalate to <!subteam^S0SALES> if the EBR slips',
        '• Do *not* ping @\u2060channel or @\u2060U0STRANGER about this',
        '',
        '```',
        'health &lt; 40 &amp;&amp; seats &gt; 100   # notify @\u2060here',
        '```',
      ].join('\n'),
    );
    expect(removed).toEqual(['<!channel>', '<@U0STRANGER>', '<!here>']);
  });

  it('keeps allowed tokens live even inside code and emphasis', () => {
    expect(renderAnswer('`<@U0OWNER>` and **<!subteam^S0SALES>**', policy).text).toBe(
      '`<@U0OWNER>` and *<!subteam^S0SALES>*',
    );
  });

  it('keeps channel links and dates, escapes everything else', () => {
    const { text } = renderAnswer('See <#C0FEEDBACK> by <!date^1700000000^{date}|Nov 14> & <b>now</b>', policy);
    expect(text).toBe('See <#C0FEEDBACK> by <!date^1700000000^{date}|Nov 14> &amp; &lt;b&gt;now&lt;/b&gt;');
  });

  it('does not let the model forge a placeholder', () => {
    const { text } = renderAnswer('<@U0OWNER> then \uE0000\uE001 and &#xE000;0&#xE001;', policy);
    expect(text).toBe('<@U0OWNER> then 0 and &amp;#xE000;0&amp;#xE001;');
  });

  it('never nests a mention inside a link URL', () => {
    const { text } = renderAnswer('[profile](https://x.com/<@U0OWNER>)', policy);
    expect(text).toMatch(/^<https:\/\/x\.com\/[^<>|]*\|profile>$/);
  });

  it('returns empty text for an empty answer', () => {
    expect(renderAnswer('', policy)).toEqual({ text: '', removed: [] });
  });
});
