import { describe, expect, it } from 'vitest';
import type { DigestRecord } from '../../src/domain/digest.js';
import { DONE_ACTION_ID, renderDigest } from '../../src/render/digest-blocks.js';
import { MESSAGE_BLOCK_TYPES, validateBlocks } from '../fakes/slack-blocks.js';

const policy = { users: new Set(['U0BOB']), groups: new Set<string>() };

function record(n: { themes: number; actions: number; words: number }): DigestRecord {
  const long = (s: string) => `${s} ${'detail '.repeat(n.words)}`.trim();
  const sources = Array.from({ length: 20 }, (_, i) => `m${i + 1}`);
  return {
    id: 'digest-C1-1700000000.000100',
    createdAt: 1_700_000_000_000,
    scope: {
      kind: 'thread',
      channel: 'C1',
      threadTs: '1700000000.000100',
      messages: 20,
      threads: 1,
      people: 2,
      parts: 3,
    },
    digest: {
      themes: Array.from({ length: n.themes }, (_, i) => ({
        title: `Theme ${i}`,
        count: 3,
        summary: long(`Summary ${i}`),
        sources,
      })),
      sentiment: { overall: 'leaning_negative', summary: 'Unhappy <!channel> about SSO', sources: ['m1'] },
      csat: { estimate: 2, reasoning: 'Several complaints', sources: ['m2'] },
      painPoints: [{ text: long('Slow SSO'), sources: ['m3'] }],
      praise: [],
      featureRequests: [{ text: 'Bulk import <@U0STRANGER>', sources: ['m4'] }],
      churnRisks: [],
      actions: Array.from({ length: n.actions }, (_, i) => ({
        action: long(`Action ${i}`),
        owner: '@sales',
        sources: ['m5', 'm6'],
      })),
    },
    cited: Object.fromEntries(
      sources.map((ref, i) => [
        ref,
        {
          url: `https://acme.slack.com/archives/C1/p17000000000001${String(i).padStart(2, '0')}`,
          channel: 'C1',
          ts: '1',
          threadTs: '1',
        },
      ]),
    ),
    participants: ['U0BOB'],
  };
}

describe('digest Block Kit', () => {
  it('renders a small digest as one valid message with permalinks and a Done button per action', () => {
    const { parts, removed } = renderDigest(record({ themes: 2, actions: 3, words: 5 }), new Map(), policy);
    expect(parts).toHaveLength(1);
    expect(
      validateBlocks(parts[0]!.blocks, { pointer: '/blocks', maxBlocks: 50, allowed: MESSAGE_BLOCK_TYPES }),
    ).toEqual([]);
    const json = JSON.stringify(parts[0]!.blocks);
    expect(json).toContain('<https://acme.slack.com/archives/C1/p1700000000000100|[1]>');
    expect(json).toContain('+14 more'); // 20 sources, 6 shown
    expect(json.match(new RegExp(DONE_ACTION_ID, 'g'))).toHaveLength(3);
    expect(parts[0]!.actions).toEqual([0, 1, 2]);
    // The model cannot broadcast or tag strangers.
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<@U0STRANGER>');
    expect(removed).toHaveLength(2);
  });

  it('splits a huge digest across messages within Slack limits, dropping nothing', () => {
    const { parts } = renderDigest(record({ themes: 60, actions: 70, words: 500 }), new Map(), policy);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(validateBlocks(p.blocks, { pointer: '/blocks', maxBlocks: 50, allowed: MESSAGE_BLOCK_TYPES })).toEqual([]);
      expect(p.text.length).toBeGreaterThan(0);
    }
    expect(parts.flatMap((p) => p.actions)).toEqual(Array.from({ length: 70 }, (_, i) => i));
    const all = parts.map((p) => JSON.stringify(p.blocks)).join('');
    for (let i = 0; i < 60; i++) expect(all).toContain(`*Theme ${i}*`);
  });

  it('shows who marked an action done instead of its button', () => {
    const done = new Map([[1, { user: 'U0CAROL', at: 1_700_000_100_000 }]]);
    const { parts } = renderDigest(record({ themes: 1, actions: 2, words: 1 }), done, policy);
    const blocks = parts[0]!.blocks as Array<{ block_id?: string; text?: { text: string }; accessory?: unknown }>;
    const marked = blocks.find((b) => b.block_id === 'action-1')!;
    expect(marked.accessory).toBeUndefined();
    expect(marked.text!.text).toContain('Done by <@U0CAROL>');
    expect(blocks.find((b) => b.block_id === 'action-0')!.accessory).toMatchObject({ action_id: DONE_ACTION_ID });
  });
});
