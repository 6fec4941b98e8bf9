import { describe, expect, it } from 'vitest';
import { chunkMessages, packByBudget, type DigestMessage } from '../../src/domain/digest-chunks.js';
import { citedRefs, compareTs, matchArea, resolveCitations, tsOf, type Digest } from '../../src/domain/digest.js';
import { estimateTokens } from '../../src/personas/models.js';
import { buildPermalink } from '../../src/slack-api/permalinks.js';

const msg = (i: number, text = `message ${i}`): DigestMessage => ({
  ref: `m${i + 1}`,
  channel: 'C0FEEDBACK',
  ts: `1700000000.${String(i).padStart(6, '0')}`,
  threadTs: '1700000000.000000',
  thread: 1,
  user: 'U0ALICE',
  fromBot: false,
  text,
});

const digest = (over: Partial<Digest> = {}): Digest => ({
  themes: [],
  sentiment: { overall: 'mixed', summary: 's', sources: ['m1'] },
  csat: { estimate: 3, reasoning: 'r', sources: ['m1'] },
  painPoints: [],
  praise: [],
  featureRequests: [],
  churnRisks: [],
  actions: [],
  ...over,
});

describe('digest chunks', () => {
  it('puts every message in exactly one chunk, in order, each chunk within the budget', () => {
    const messages = Array.from({ length: 500 }, (_, i) => msg(i, `feedback ${i} `.repeat(1 + (i % 13))));
    const chunks = chunkMessages(messages, 1_000, false);
    expect(chunks.length).toBeGreaterThan(5);
    const refs = chunks.flat().map((l) => /^\[(m\d+)/.exec(l)![1]);
    expect(refs).toEqual(messages.map((m) => m.ref));
    for (const c of chunks) expect(c.reduce((n, l) => n + estimateTokens(l) + 1, 0)).toBeLessThanOrEqual(1_000);
  });

  it('cuts a message bigger than a chunk instead of dropping it', () => {
    const chunks = chunkMessages([msg(0, 'x'.repeat(50_000)), msg(1)], 1_000, true);
    expect(chunks.flat()).toHaveLength(2);
    expect(chunks[0]![0]).toMatch(/^\[m1 · thread 1 · <@U0ALICE>\] x+… \[\d+ more characters not shown\]$/);
    expect(estimateTokens(chunks[0]![0]!)).toBeLessThanOrEqual(1_000);
  });

  it('packs with a minimum group size so merging always makes progress', () => {
    expect(packByBudget([5, 5, 5, 5, 5], (n) => n, 4, 2)).toEqual([[5, 5], [5, 5], [5]]);
    expect(packByBudget([1, 2, 3, 4], (n) => n, 5)).toEqual([[1, 2], [3], [4]]);
  });
});

describe('citations', () => {
  it('keeps real citations, drops invented ones and claims left without any, and clamps numbers', () => {
    const d = digest({
      themes: [
        { title: 'SSO', count: 1, summary: 's', sources: ['m1', 'm2', '[m2]', 'm99'] },
        { title: 'Ghost', count: 4, summary: 's', sources: ['m77'] },
      ],
      churnRisks: [
        {
          signal: 's',
          customer: null,
          area: null,
          customerWants: 'w',
          whyStrategic: 'y',
          decisionNeeded: 'd',
          confidence: 3,
          sources: ['m3'],
        },
      ],
      actions: [{ action: 'a', owner: 'CS lead', sources: ['x'] }],
    });
    const { digest: out, dropped } = resolveCitations(d, (r) => ['m1', 'm2', 'm3'].includes(r), 3);
    expect(out.themes).toEqual([{ title: 'SSO', count: 2, summary: 's', sources: ['m1', 'm2'] }]);
    expect(out.churnRisks[0]!.confidence).toBe(1);
    expect(out.actions).toEqual([]);
    expect(dropped).toBe(2);
    expect(citedRefs(out)).toEqual(['m1', 'm2', 'm3']);
  });

  it('builds Slack permalinks for parents and replies from one base', () => {
    const base = 'https://acme.slack.com/archives/';
    expect(buildPermalink(base, { channel: 'C1', ts: '1700000000.000100', threadTs: '1700000000.000100' })).toBe(
      'https://acme.slack.com/archives/C1/p1700000000000100',
    );
    expect(buildPermalink(base, { channel: 'C1', ts: '1700000001.000200', threadTs: '1700000000.000100' })).toBe(
      'https://acme.slack.com/archives/C1/p1700000001000200?thread_ts=1700000000.000100&cid=C1',
    );
  });

  it('matches areas case-insensitively and orders ts exactly', () => {
    expect(matchArea('complex customer NEGOTIATIONS ', ['Complex customer negotiations'])).toBe(
      'Complex customer negotiations',
    );
    expect(matchArea(null, ['A'])).toBeUndefined();
    expect(compareTs('1700000000.000100', '1700000000.000099')).toBeGreaterThan(0);
    expect(compareTs('999999999.9', '1000000000.000000')).toBeLessThan(0);
    expect(tsOf(1_700_000_000_123)).toBe('1700000000.123000');
  });
});
