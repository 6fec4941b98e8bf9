import { describe, expect, it } from 'vitest';
import { questionForRetrieval, sourcesVerdict, type mayRead } from '../../src/domain/knowledge.js';
import { chunkDocument } from '../../src/knowledge/chunk.js';
import { evaluate, readFolder } from '../../src/knowledge/evaluate.js';
import { SearchIndex, fuse } from '../../src/knowledge/search.js';
import { resolvedRequestDocument } from '../../src/knowledge/write.js';

const CORPUS = 'test/fixtures/knowledge/corpus';

describe('knowledge search', () => {
  it('finds the right article for a Markdown, an HTML and a text source', async () => {
    const index = new SearchIndex((await readFolder(CORPUS)).flatMap((d) => chunkDocument(d)));
    const top = (q: string) => index.search(q, { place: { kind: 'internal' }, limit: 1 })[0]?.chunk.docId;
    expect(top('What is the row limit per export file?')).toBe('file:exports/export-limits.md');
    expect(top('How many API requests per minute on Enterprise?')).toBe('file:help-centre/api-rate-limits.html');
    expect(top('account locked after wrong passwords')).toBe('file:notes/account-locked.txt');
  });

  it('a resolved request is found for its own account and internally, never for another customer', () => {
    const acme = resolvedRequestDocument({
      requestId: 'r1',
      accountId: 't-T0ACME',
      accountName: 'Acme',
      question: 'Our warehouse sync to Zephyrdb stalls every night',
      answer: 'Raise the Zephyrdb timeout to 600 seconds under connector settings.',
      url: 'https://acme.slack.com/archives/C1/p1',
    });
    const index = new SearchIndex(chunkDocument(acme));
    const found = (place: Parameters<typeof mayRead>[1]) => index.search('zephyrdb sync stalls', { place }).length;
    expect(found({ kind: 'internal' })).toBeGreaterThan(0);
    expect(found({ kind: 'customer', account: 't-T0ACME' })).toBeGreaterThan(0);
    expect(found({ kind: 'customer', account: 't-T0GLOBEX' })).toBe(0);
    expect(found({ kind: 'customer' })).toBe(0);
  });

  it('a removed chunk is no longer found', () => {
    const chunks = chunkDocument({
      id: 'file:a',
      origin: 'o',
      title: 'Quokka policy',
      sections: [{ headings: [], text: 'Quokkas are welcome.' }],
    });
    const index = new SearchIndex(chunks);
    expect(index.search('quokka', { place: { kind: 'internal' } })).toHaveLength(1);
    index.remove(chunks.map((c) => c.id));
    expect(index.search('quokka', { place: { kind: 'internal' } })).toHaveLength(0);
  });

  it('reciprocal rank fusion favours what both rankings put high', () => {
    expect(
      fuse([
        ['a', 'b', 'c', 'd'],
        ['d', 'b', 'e'],
      ]).map((r) => r.id),
    ).toEqual(['b', 'd', 'a', 'c', 'e']);
  });

  it('the context line improves retrieval on the sample set', async () => {
    const docs = await readFolder(CORPUS);
    const questions = [
      { question: 'How do I set up SAML with Okta?', expected: 'sso/saml-setup.md' },
      { question: 'Do viewer seats cost anything?', expected: 'billing/seats.md' },
      { question: 'How do we verify a webhook signature?', expected: 'help-centre/webhooks.html' },
    ];
    const withContext = await evaluate(docs, questions);
    expect(withContext.recallAt1).toBe(1);
    expect(withContext.mrr).toBe(1);
  });
});

describe('knowledge decisions', () => {
  it('the retrieval question is the asking message, then as much of the thread before it as fits', () => {
    expect(questionForRetrieval('and for CSV?', ['Hi!', 'What is the row limit per Excel export?'], 54)).toBe(
      'and for CSV?\nWhat is the row limit per Excel export?',
    );
    expect(questionForRetrieval('and for CSV?', ['What is the row limit per Excel export?'], 20)).toBe('and for CSV?');
  });

  it('an uncited answer goes to the team as a draft where a customer reads, and is posted unsourced internally', () => {
    expect(sourcesVerdict({ kind: 'customer', account: 't-T1' }, 0, true)).toBe('draft');
    expect(sourcesVerdict({ kind: 'customer', account: 't-T1' }, 0, false)).toBe('post_unsourced');
    expect(sourcesVerdict({ kind: 'customer' }, 2, true)).toBe('post');
    expect(sourcesVerdict({ kind: 'internal' }, 0, true)).toBe('post_unsourced');
  });
});
