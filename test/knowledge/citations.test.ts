import Anthropic, { BadRequestError } from '@anthropic-ai/sdk';
import type { ContentBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chunkDocument } from '../../src/knowledge/chunk.js';
import { readFolder } from '../../src/knowledge/evaluate.js';
import { SearchIndex } from '../../src/knowledge/search.js';
import { CitationCollector, searchResultBlocks, sourcesFooter } from '../../src/llm/citations.js';
import { streamAnswer } from '../../src/llm/client.js';
import type { Chunk } from '../../src/domain/knowledge.js';
import { FakeAnthropic } from '../fakes/anthropic-server.js';

let fake: FakeAnthropic;
let ai: Anthropic;
let index: SearchIndex;
beforeAll(async () => {
  fake = await FakeAnthropic.start();
  ai = new Anthropic({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
  index = new SearchIndex(
    (await readFolder('test/fixtures/knowledge/corpus', 'https://help.tallyboard.example')).flatMap((d) =>
      chunkDocument(d),
    ),
  );
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const passages = (q: string, limit = 3): Chunk[] =>
  index.search(q, { place: { kind: 'internal' }, limit }).map((h) => h.chunk);
const ask = (question: string, extra: ContentBlockParam[]) => ({
  model: 'claude-sonnet-5-5',
  max_tokens: 500,
  messages: [{ role: 'user' as const, content: [...extra, { type: 'text' as const, text: question }] }],
});

describe('citations over the wire', () => {
  it('a Markdown source: the answer cites it and ends with a numbered link', async () => {
    const found = passages('What is the row limit per export file?');
    expect(found[0]?.title).toBe('Export limits');
    fake.enqueue({ text: 'Each export file holds at most 1,000,000 rows.', cite: [0] });
    const msg = await ai.messages.create(ask('What is the row limit per export file?', searchResultBlocks(found)));
    const collector = new CitationCollector(found);
    expect(collector.textOf(msg.content)).toBe('Each export file holds at most 1,000,000 rows. [1]');
    expect(sourcesFooter(collector.sources)).toBe(
      '*Sources*\n[1] <https://help.tallyboard.example/exports/limits|Export limits>',
    );
    const sent = fake.requests[0]!.body.messages[0]!.content as { type: string; citations?: unknown }[];
    expect(
      sent.filter((b) => b.type === 'search_result').every((b) => JSON.stringify(b.citations) === '{"enabled":true}'),
    ).toBe(true);
  });

  it('an HTML and a text source, streamed: citations_delta events become the same numbered links', async () => {
    const found = [
      ...passages('API requests per minute Enterprise', 1),
      ...passages('locked out after wrong passwords', 1),
    ];
    expect(found.map((c) => c.docId)).toEqual([
      'file:help-centre/api-rate-limits.html',
      'file:notes/account-locked.txt',
    ]);
    fake.enqueue({
      text: 'Enterprise allows 3000 requests a minute; ten failed logins lock an account for 30 minutes.',
      cite: [1, 0],
      chunkChars: 10,
    });
    const collector = new CitationCollector(found);
    const stream = ai.messages.stream({ ...ask('Two questions', searchResultBlocks(found)), stream: true });
    stream.on('citation', (c) => collector.add(c));
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({
      type: 'text',
      citations: [{ search_result_index: 1 }, { search_result_index: 0 }],
    });
    expect(sourcesFooter(collector.sources)).toBe(
      [
        '*Sources*',
        '[1] <https://help.tallyboard.example/notes/account-locked|Account locked after failed logins>',
        '[2] <https://help.tallyboard.example/help-centre/api-rate-limits|API rate limits>',
      ].join('\n'),
    );
  });

  it('several passages of one article are one source; a passage without a link is named without one', () => {
    const a: Chunk = {
      id: 'd#0',
      docId: 'd',
      origin: 'o',
      title: 'Refunds & <credits>',
      url: 'https://x.example/a|b',
      headings: [],
      context: 'Refunds',
      text: 'One.',
    };
    const b: Chunk = { ...a, id: 'd#1', text: 'Two.' };
    const c: Chunk = {
      id: 'r#0',
      docId: 'request:1',
      origin: 'requests',
      title: 'Acme: sync',
      headings: [],
      context: 'Acme: sync',
      text: 'Three.',
    };
    const collector = new CitationCollector([a, b, c]);
    const loc = (i: number) => ({
      type: 'search_result_location' as const,
      search_result_index: i,
      source: '',
      title: null,
      cited_text: '',
      start_block_index: 0,
      end_block_index: 1,
    });
    expect([collector.add(loc(1)), collector.add(loc(0)), collector.add(loc(2)), collector.add(loc(9))]).toEqual([
      1,
      1,
      2,
      undefined,
    ]);
    expect(sourcesFooter(collector.sources)).toBe(
      '*Sources*\n[1] <https://x.example/a%7Cb|Refunds &amp; &lt;credits&gt;>\n[2] Acme: sync',
    );
    expect(sourcesFooter([])).toBe('');
  });

  it('no passages, no citations: the footer is empty', async () => {
    const msg = await ai.messages.create(ask('Hello', []));
    const collector = new CitationCollector([]);
    collector.textOf(msg.content);
    expect(collector.sources).toEqual([]);
  });
});

describe('the fake refuses search_result blocks the API refuses', () => {
  const good = () => searchResultBlocks(passages('SAML Okta', 2));
  const refused = async (blocks: unknown[]) => {
    const err = await ai.messages.create(ask('q', blocks as ContentBlockParam[])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    return (err as BadRequestError).message;
  };

  it('accepts well-formed ones', async () => {
    await expect(ai.messages.create(ask('q', good()))).resolves.toMatchObject({ type: 'message' });
  });

  it('refuses one without a title, with empty content, with an extra field, or with a non-text content block', async () => {
    const [first] = good();
    expect(await refused([{ ...first, title: undefined }])).toMatch(/title: Field required/);
    expect(await refused([{ ...first, content: [] }])).toMatch(/content: List should have at least 1 item/);
    expect(await refused([{ ...first, content: [{ type: 'text', text: '' }] }])).toMatch(
      /text content blocks must be non-empty/,
    );
    expect(await refused([{ ...first, url: 'https://x' }])).toMatch(/url: Extra inputs are not permitted/);
    expect(await refused([{ ...first, content: [{ type: 'image', source: {} }] }])).toMatch(
      /does not match the expected tag 'text'/,
    );
  });

  it('refuses a request with citations on for some search results but not others', async () => {
    const [a, b] = good();
    expect(await refused([a, { ...b, citations: { enabled: false } }])).toMatch(/different citation settings/);
    expect(await refused([a, { ...b, citations: undefined }])).toMatch(/different citation settings/);
  });

  it('a scripted citation of a result the request does not have is a test error, not a reply', async () => {
    fake.enqueue({ text: 'x', cite: [5] });
    await expect(ai.messages.create(ask('q', good()))).rejects.toThrow(/cites search result 5/);
    fake.errors.length = 0;
  });
});

describe('streamAnswer (the answer job’s model call) hands back the citations', () => {
  it('collects the streamed answer’s citations for the sources footer', async () => {
    const found = passages('How do we verify a webhook signature?', 2);
    fake.enqueue({ text: 'Compare an HMAC-SHA256 of the body with the X-Tallyboard-Signature header.', cite: [0] });
    const answer = await streamAnswer(ai, {
      model: 'claude-sonnet-5-5',
      system: [{ type: 'text', text: 'You are LUNA.' }],
      messages: [
        {
          role: 'user',
          content: [...searchResultBlocks(found), { type: 'text', text: 'How do we verify a webhook signature?' }],
        },
      ],
      maxTokens: 500,
      idleTimeoutMs: 5_000,
    });
    const collector = new CitationCollector(found);
    for (const c of answer.citations) collector.add(c);
    expect(sourcesFooter(collector.sources)).toBe(
      '*Sources*\n[1] <https://help.tallyboard.example/help-centre/webhooks|Webhooks>',
    );
  });
});
