import { describe, expect, it } from 'vitest';
import { extractHandles, extractRefusal } from '../../src/personas/body.js';
import { parseScalingApproach } from '../../src/personas/scaling.js';

// "🤖" / "🧠" / "🤝" / "—" as they look after UTF-8 bytes were read as Mac Roman.
const ROBOT = '\uF8FFü§ñ';
const BRAIN = '\uF8FFüß†';
const SHAKE = '\uF8FFü§ù';
const DASH = '‚Äî';

describe('parseScalingApproach', () => {
  it('reads emoji list lines, splitting on commas and semicolons and dropping trailing periods', () => {
    const body = [
      '## Scaling Approach',
      '- 🤖 AI handles: Journey maps, churn signals; survey themes.',
      '- 🧠 Human handles: Contract terms, Executive sponsors.',
      '- 🤝 Collaboration: AI drafts, humans decide.',
    ].join('\n');
    expect(parseScalingApproach(body)).toEqual({
      aiHandles: ['Journey maps', 'churn signals', 'survey themes'],
      humanHandles: ['Contract terms', 'Executive sponsors'],
      collaboration: 'AI drafts, humans decide',
    });
  });

  it('reads mojibake emoji and a mojibake em dash', () => {
    const body = [
      '# Persona',
      '### Scaling Approach:',
      `- ${ROBOT} AI handles: Ticket triage, FAQ answers`,
      `- ${BRAIN} Human handles ${DASH} Refund approvals, Legal questions`,
      `- ${SHAKE} Collaboration: Clean hand-offs`,
    ].join('\n');
    expect(parseScalingApproach(body)).toEqual({
      aiHandles: ['Ticket triage', 'FAQ answers'],
      humanHandles: ['Refund approvals', 'Legal questions'],
      collaboration: 'Clean hand-offs',
    });
  });

  it('reads bold labels, other bullets and dash separators', () => {
    const body = [
      '## Scaling Approach',
      '- **AI handles:** Usage reports',
      '* Human handles — Renewal pricing; and Escalated complaints',
      '1. __Collaboration__: Shared notes',
    ].join('\n');
    expect(parseScalingApproach(body)).toEqual({
      aiHandles: ['Usage reports'],
      humanHandles: ['Renewal pricing', 'Escalated complaints'],
      collaboration: 'Shared notes',
    });
  });

  it('reads the list form under a label on its own line', () => {
    const body = [
      '## Scaling Approach',
      '',
      '**Human handles:**',
      '- Strategic customer relationship decisions',
      '- Complex customer negotiations.',
      '',
      '**AI handles:**',
      '',
      '- Journey mapping',
      '  - Feedback analysis',
      'A closing paragraph ends the list.',
      '- Not an item of any label',
    ].join('\n');
    expect(parseScalingApproach(body)).toEqual({
      aiHandles: ['Journey mapping', 'Feedback analysis'],
      humanHandles: ['Strategic customer relationship decisions', 'Complex customer negotiations'],
    });
  });

  it('ends the section at a heading of the same or higher level, or at a rule', () => {
    const body = [
      '## Scaling Approach',
      '- AI handles: Inside',
      '### A sub-heading stays inside',
      '- Human handles: Also inside',
      '---',
      '- Human handles: After the rule',
      '## Scaling Approach appears again',
      '- AI handles: Second section is ignored',
    ].join('\n');
    expect(parseScalingApproach(body)).toEqual({ aiHandles: ['Inside'], humanHandles: ['Also inside'] });

    const nextHeading = ['### Scaling Approach', '- Human handles: One', '## Next', '- Human handles: Two'].join('\n');
    expect(parseScalingApproach(nextHeading).humanHandles).toEqual(['One']);
  });

  it('ignores a section inside fenced code and returns empty lists when there is none', () => {
    const fenced = ['```md', '## Scaling Approach', '- Human handles: Fake', '```'].join('\n');
    expect(parseScalingApproach(fenced)).toEqual({ aiHandles: [], humanHandles: [] });
    expect(parseScalingApproach('No section here.\n- Human handles: Outside')).toEqual({
      aiHandles: [],
      humanHandles: [],
    });
  });

  it('keeps case and drops duplicates', () => {
    const body = '## Scaling Approach\n- Human handles: VIP accounts, vip accounts, Board decks';
    expect(parseScalingApproach(body).humanHandles).toEqual(['VIP accounts', 'Board decks']);
  });
});

describe('extractHandles', () => {
  it('finds @handles in order of first mention, lower-cased and unique', () => {
    expect(extractHandles('Ask @Sales, then @marketing. Again @sales and (@PR).')).toEqual([
      'sales',
      'marketing',
      'pr',
    ]);
  });

  it('ignores e-mails, domains, packages, Slack user mentions, broadcasts and the persona itself', () => {
    const body =
      'Mail cs@example.com or @example.com; install @scope/pkg; ping <@U012AB>; never @here or @channel; I am @luna; ask @finance.';
    expect(extractHandles(body, ['luna'])).toEqual(['finance']);
  });
});

describe('extractRefusal', () => {
  it('prefers a quoted template over list lines', () => {
    const body = '- NOT MY SCOPE: Code → engineering\n\nAnswer with:\n"NOT MY SCOPE: Ask the right team."';
    expect(extractRefusal(body)).toBe('NOT MY SCOPE: Ask the right team.');
  });

  it('falls back to a line starting with NOT MY SCOPE, and is undefined without one', () => {
    expect(extractRefusal('intro\n> **NOT MY SCOPE: billing goes to @finance.**')).toBe(
      'NOT MY SCOPE: billing goes to @finance.',
    );
    expect(extractRefusal('Nothing to refuse.')).toBeUndefined();
  });
});
