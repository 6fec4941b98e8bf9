import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/log.js';
import { Retriever } from '../../src/knowledge/retriever.js';
import { writeDocument } from '../../src/knowledge/write.js';
import { KnowledgeStore, LOG_LENGTH } from '../../src/stores/knowledge.js';
import { clearPrefix } from '../helpers/harness.js';

const redis = new Redis(process.env.REDIS_URL!);
const other = new Redis(process.env.REDIS_URL!);
const log = createLogger('error');
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) await clearPrefix(p);
  redis.disconnect();
  other.disconnect();
});

/** Two processes' views of one index: each its own connection, store and retriever. */
function processes() {
  const prefix = `luna-test-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  const a = new KnowledgeStore(redis, prefix);
  const b = new KnowledgeStore(other, prefix);
  return { a, b, ra: new Retriever({ store: a, log }), rb: new Retriever({ store: b, log }) };
}

const doc = (id: string, text: string, account?: string) => ({
  id,
  origin: 'path:./knowledge',
  title: `Doc ${id}`,
  url: `https://docs.example.com/${id}`,
  ...(account ? { account } : {}),
  sections: [{ headings: ['Section'], text }],
});
const internal = { place: { kind: 'internal' as const } };

describe('knowledge store and retriever (Redis)', () => {
  it('a document written by one process is found by another, and its replacement and removal too', async () => {
    const { a, rb } = processes();
    await writeDocument({ store: a, log }, doc('pelican', 'Pelican exports finish overnight.'), 'v1');
    expect((await rb.retrieve('pelican exports', internal)).map((h) => h.chunk.text)).toEqual([
      'Pelican exports finish overnight.',
    ]);

    await writeDocument({ store: a, log }, doc('pelican', 'Pelican exports now finish within the hour.'), 'v2');
    expect((await rb.retrieve('pelican exports', internal)).map((h) => h.chunk.text)).toEqual([
      'Pelican exports now finish within the hour.',
    ]);

    await a.removeDocument('pelican');
    expect(await rb.retrieve('pelican exports', internal)).toEqual([]);
  });

  it('a process that fell behind further than the log reaches reads everything again', async () => {
    const { a, ra } = processes();
    await writeDocument({ store: a, log }, doc('first', 'Albatross billing note.'), 'v1');
    await ra.refresh();
    const behind = ra.loadedVersion;
    await writeDocument({ store: a, log }, doc('second', 'Albatross refunds note.'), 'v1');
    await writeDocument({ store: a, log }, doc('third', 'Albatross seats note.'), 'v1');
    // A long absence: the log was trimmed past the change right after this process's version.
    await redis.zremrangebyscore(a.keys.log, '-inf', String(behind + 1));
    expect(await a.changesSince(behind)).toBeUndefined();
    const found = (await ra.retrieve('albatross note', { ...internal, limit: 10 })).map((h) => h.chunk.docId).sort();
    expect(found).toEqual(['first', 'second', 'third']);
    expect(LOG_LENGTH).toBeGreaterThan(100);
  });

  it('a restart loads the index from Redis without any source', async () => {
    const { a, b } = processes();
    await writeDocument({ store: a, log }, doc('heron', 'Heron SSO certificate rotation.'), 'v1');
    const fresh = new Retriever({ store: b, log });
    expect((await fresh.retrieve('heron certificate', internal))[0]?.chunk.url).toBe('https://docs.example.com/heron');
  });

  it('keeps a resolved request to its own account and internal places', async () => {
    const { a, rb } = processes();
    await writeDocument(
      { store: a, log },
      doc('request:7', 'Kestrel connector timeout raised to 600 seconds.', 't-T0ACME'),
      'v1',
    );
    expect(await rb.retrieve('kestrel timeout', internal)).toHaveLength(1);
    expect(await rb.retrieve('kestrel timeout', { place: { kind: 'customer', account: 't-T0ACME' } })).toHaveLength(1);
    expect(await rb.retrieve('kestrel timeout', { place: { kind: 'customer', account: 't-T0GLOBEX' } })).toHaveLength(
      0,
    );
  });

  it('only one process holds the indexer lease; another takes it once it lapses', async () => {
    const { a, b } = processes();
    const token = await a.acquireLease(300);
    expect(token).toBeDefined();
    expect(await b.acquireLease(300)).toBeUndefined();
    expect(await a.renewLease(token!, 300)).toBe(true);
    await new Promise((r) => setTimeout(r, 450));
    expect(await a.renewLease(token!, 300)).toBe(false);
    const taken = await b.acquireLease(300);
    expect(taken).toBeDefined();
    await a.releaseLease(token!); // a stale holder cannot release the new one's lease
    expect(await a.acquireLease(300)).toBeUndefined();
    await b.releaseLease(taken!);
  });

  it('counts chunks per source', async () => {
    const { a } = processes();
    await writeDocument({ store: a, log }, doc('x', 'One.'), 'v1');
    await writeDocument({ store: a, log }, { ...doc('request:1', 'Two.', 't-T1'), origin: 'requests' }, 'v1');
    expect(await a.chunksPerOrigin()).toEqual({ 'path:./knowledge': 1, requests: 1 });
  });
});

describe('knowledge store: what App Home shows', () => {
  it('summarises what is indexed per source, and lists the week’s questions without a source, newest first', async () => {
    const { a } = processes();
    await writeDocument({ store: a, log }, doc('one', 'First.\n\nSecond paragraph.'), 'v1');
    await writeDocument({ store: a, log }, doc('two', 'Third.'), 'v1');
    const [summary] = await a.summary();
    expect(summary).toMatchObject({ origin: 'path:./knowledge', documents: 2, chunks: 2 });
    expect(summary!.lastIndexedAt).toBeGreaterThan(Date.now() - 60_000);

    const now = Date.now();
    await a.recordGap({ question: 'Old question', channel: 'C1', at: now - 10 * 86_400_000 });
    await a.recordGap({ question: 'Can we export to Avro?', channel: 'C1', at: now - 2 * 86_400_000 });
    await a.recordGap({ question: 'Is there a Jira integration?', channel: 'C2', at: now - 1000 });
    expect((await a.gapsSince(now - 7 * 86_400_000)).map((g) => g.question)).toEqual([
      'Is there a Jira integration?',
      'Can we export to Avro?',
    ]);
    expect(await redis.zcard(a.keys.gaps)).toBe(2); // the ten-day-old one was dropped
  });
});
