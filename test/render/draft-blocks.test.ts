import { describe, expect, it } from 'vitest';
import type { FactHit } from '../../src/domain/customer-text.js';
import { DRAFT_ACTIONS, draftNotice } from '../../src/render/draft-blocks.js';
import { MESSAGE_BLOCK_TYPES, validateBlocks } from '../fakes/slack-blocks.js';

const base = {
  draftId: 'answer-C0ACME-1.2',
  threadLink: '<https://x.slack.com/archives/C0ACME/p12|this thread>',
  readers: 'Acme Corp',
  askedBy: 'U0DANA',
};
const hit = (fact: string, value: string, found = value): FactHit => ({ reason: 'internal_fact', fact, value, found });
const actionsOf = (blocks: unknown[]) =>
  (blocks as Array<{ type: string; elements?: Array<Record<string, unknown>> }>).find((b) => b.type === 'actions')!
    .elements!;

describe('draft notices', () => {
  it('a clean draft: Post in thread posts at once (draft_post), no confirmation', () => {
    const n = draftNotice({ ...base, parts: ['Here is how to set up SSO.'], reason: 'asked' });
    expect(actionsOf(n.blocks).map((e) => e.action_id)).toEqual([DRAFT_ACTIONS.post, DRAFT_ACTIONS.discard]);
    expect(JSON.stringify(n.blocks)).not.toContain('confirm');
  });

  it('a draft that names facts lists them, and its Post is a different button behind a confirmation naming them', () => {
    const flagged = [
      hit('ARR', '$120,000', '120k'),
      hit('health', 'red', 'Health: red'),
      hit('account owner', '<@U0CSM1>'),
    ];
    const n = draftNotice({ ...base, parts: ['ARR 120k, Health: red'], reason: 'customer_asked', flagged });
    expect(validateBlocks(n.blocks, { pointer: '/blocks', maxBlocks: 50, allowed: MESSAGE_BLOCK_TYPES })).toEqual([]);
    const text = JSON.stringify(n.blocks);
    expect(text).toContain('This text names what Acme Corp must not read');
    expect(text).toContain('• *ARR*: $120,000 (written “120k”)');
    expect(text).toContain('• *account owner*: <@U0CSM1>');
    const [post] = actionsOf(n.blocks);
    expect(post).toMatchObject({ action_id: DRAFT_ACTIONS.post_confirmed, style: 'danger' });
    expect(post!.confirm).toEqual({
      title: { type: 'plain_text', text: 'Post internal facts?' },
      text: {
        type: 'plain_text',
        text: 'Acme Corp will read this draft, and it names: ARR, health and account owner. Post it as it is?',
      },
      confirm: { type: 'plain_text', text: 'Post as it is' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    });
  });

  it('stays inside Slack’s limits with many facts, long names and a long answer', () => {
    const flagged = Array.from({ length: 30 }, (_, i) =>
      hit(`a very long extra column name number ${i} from the CRM export`, 'x'.repeat(200)),
    );
    const n = draftNotice({
      ...base,
      readers: 'Acme Corporation International Holdings '.repeat(10),
      parts: ['word '.repeat(40_000)],
      reason: 'withheld',
      flagged,
    });
    expect(validateBlocks(n.blocks, { pointer: '/blocks', maxBlocks: 50, allowed: MESSAGE_BLOCK_TYPES })).toEqual([]);
    expect(JSON.stringify(n.blocks)).toContain('and 22 more');
    expect(JSON.stringify(n.blocks)).toMatch(/LUNA held back its answer to <@U0DANA>.*it named internal facts/);
  });
});
