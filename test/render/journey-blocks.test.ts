import { describe, expect, it } from 'vitest';
import type { MentionPolicy } from '../../src/domain/mention-safety.js';
import { JOURNEY_USAGE, journeyBlocks } from '../../src/render/journey-blocks.js';
import { journeyMermaid, mermaidText } from '../../src/render/mermaid.js';
import { MESSAGE_BLOCK_TYPES, validateBlocks } from '../fakes/slack-blocks.js';
import { acmeMap, syntheticMap } from '../fixtures/journey/maps.js';

const policy: MentionPolicy = { users: new Set(['U0ALICE']), groups: new Set() };
const valid = (blocks: unknown[]) =>
  validateBlocks(blocks, { pointer: '/blocks', maxBlocks: 50, allowed: MESSAGE_BLOCK_TYPES });
const textOf = (blocks: unknown[]) => JSON.stringify(blocks);

describe('journeyBlocks', () => {
  it('renders a header, a section per stage and the KPIs with their targets, within Slack limits', () => {
    const { blocks, text } = journeyBlocks(acmeMap(), policy, 'The picture follows.');
    expect(valid(blocks)).toEqual([]);
    expect(blocks[0]).toMatchObject({
      type: 'header',
      text: { text: 'Journey map: Acme Corp: from signed contract to renewal and advocacy' },
    });
    const sections = blocks.filter((b) => b.type === 'section').map((b) => (b as { text: { text: string } }).text.text);
    expect(sections).toHaveLength(1 + 5);
    expect(sections[0]).toContain('*Lowest point:* Adoption (2/5, uneasy)');
    expect(sections[2]).toContain('*2. Adoption*');
    expect(sections[2]).toContain('owner: *CSM*; metric: Weekly active users back above 100');
    const kpis = blocks.find((b) => b.type === 'context') as { elements: Array<{ text: string }> };
    expect(kpis.elements.map((e) => e.text)).toEqual([
      '*CSAT* &gt; 4.5/5 — Post-onboarding and post-ticket surveys',
      '*Retention* &gt; 90% — Renewal decision at term end',
      '*Milestones on time* &gt; 85% — SSO live, first report, first QBR on time',
      '*Feedback integration* &gt; 80%',
      '*Journey conversion* &gt; 75% — Share of accounts moving from adoption to value realisation',
    ]);
    expect(JSON.stringify(blocks.at(-2))).toContain(
      "_Assumptions to confirm:_ Acme's champion left in the reorg (mentioned in the thread, not confirmed) · Renewal term ends in Q3",
    );
    expect(text).toBe('Journey map: Acme Corp: from signed contract to renewal and advocacy');
  });

  it('stays valid Block Kit with eight stages of very long text', () => {
    const { blocks } = journeyBlocks(syntheticMap(8, true), policy, 'note');
    expect(valid(blocks)).toEqual([]);
    // Phrases get shorter before anything is dropped: every stage still ends with its opportunities.
    const stages = blocks.filter((b) => b.type === 'section').slice(1) as Array<{ text: { text: string } }>;
    expect(stages).toHaveLength(8);
    for (const s of stages) expect(s.text.text.split('\n').filter((l) => l.includes('— owner: *'))).toHaveLength(5);
  });

  it('makes broadcasts and unknown mentions inert, keeps allowed ones, and never reads a phrase as Markdown structure', () => {
    const map = acmeMap();
    map.stages[0]!.painPoints = [
      '<!channel> everyone is blocked',
      'ask <@U0ALICE> and <@U0STRANGER>',
      '> 90% of users churn',
      '# not a heading',
    ];
    const { blocks, removed } = journeyBlocks(map, policy, 'note');
    const json = textOf(blocks);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<@U0STRANGER>');
    expect(json).toContain('<@U0ALICE>');
    expect(removed).toEqual(['<!channel>', '<@U0STRANGER>']);
    expect(json).toContain('• &gt; 90% of users churn');
    expect(json).toContain('• # not a heading');
  });

  it('explains usage without raw angle brackets Slack would read as a link', () => {
    expect(JOURNEY_USAGE).toContain('/journey-map &lt;customer, segment or scenario&gt;');
    expect(JOURNEY_USAGE).not.toMatch(/<[^@#!]/);
  });
});

describe('journeyMermaid', () => {
  it('writes a Mermaid journey with a section per stage and a task per action scored by emotion', () => {
    const text = journeyMermaid(acmeMap());
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('journey');
    expect(lines[1]).toBe('  title Acme Corp - from signed contract to renewal and advocacy');
    expect(lines).toContain('  section Adoption');
    expect(lines).toContain('    Runs first projects: 2: Acme Corp operations team (mid-market  120 seats)');
    expect(lines.filter((l) => l.startsWith('  section'))).toHaveLength(5);
  });

  it('sanitises task names, sections, titles and actors: no `:`, `#` or `;` survive, nor keywords or newlines', () => {
    const map = acmeMap();
    map.scenario = 'Q3: renewals; #1 priority';
    map.actor = 'Ops, Finance: admins';
    map.stages[0]!.name = 'Kick-off: week #1';
    map.stages[0]!.actions = [
      'Ask: "what is #2?"; then wait',
      'section leads approve',
      'line\nbreak %% comment',
      ':#;',
    ];
    const lines = journeyMermaid(map).trimEnd().split('\n');
    const tasks = lines.filter((l) => l.startsWith('    '));
    for (const t of tasks) expect(t).toMatch(/^ {4}[^:#;\n]+: [1-5]: [^:#;,\n]+$/);
    expect(tasks[0]).toBe('    Ask - "what is No.2?", then wait: 3: Ops  Finance - admins');
    expect(tasks[1]).toMatch(/^ {4}- section leads approve:/);
    expect(tasks[2]).toMatch(/^ {4}line break % comment:/);
    for (const l of lines.filter((x) => /^ {2}(title|section) /.test(x))) expect(l).not.toMatch(/[#;:]/);
    expect(mermaidText(':#;', 'Step')).toBe('-No.,');
    expect(mermaidText('   ', 'Step')).toBe('Step');
  });
});
