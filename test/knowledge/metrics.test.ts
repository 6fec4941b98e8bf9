import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/log.js';
import { Metrics } from '../../src/infra/metrics.js';
import { Retriever } from '../../src/knowledge/retriever.js';
import { writeDocument } from '../../src/knowledge/write.js';
import { KnowledgeStore } from '../../src/stores/knowledge.js';
import { clearPrefix } from '../helpers/harness.js';

const redis = new Redis(process.env.REDIS_URL!);
const prefix = `luna-test-${randomUUID().slice(0, 8)}`;
afterAll(async () => {
  await clearPrefix(prefix);
  redis.disconnect();
});

describe('knowledge metrics', () => {
  it('/metrics shows chunks per source, retrieval latency and answers with and without citations', async () => {
    const log = createLogger('error');
    const store = new KnowledgeStore(redis, prefix);
    const metrics = new Metrics();
    metrics.knowledgeChunksBySource = () => store.chunksPerOrigin();
    const text = (t: string) => ({
      id: randomUUID(),
      origin: 'path:./knowledge',
      title: 'T',
      sections: [{ headings: [], text: t }],
    });
    await writeDocument({ store, log }, text('Ibis exports.'), 'v');
    await writeDocument({ store, log }, text('Ibis seats.'), 'v');
    await writeDocument({ store, log }, { ...text('Ibis answer.'), origin: 'requests', account: 't-T1' }, 'v');

    const retriever = new Retriever({ store, log, observe: (s) => metrics.knowledgeRetrieval.observe(s) });
    await retriever.retrieve('ibis', { place: { kind: 'internal' } });
    metrics.knowledgeAnswers.inc({ sources: 'cited' });
    metrics.knowledgeAnswers.inc({ sources: 'uncited' });

    const out = await metrics.text();
    expect(out).toContain('luna_knowledge_chunks{source="path:./knowledge"} 2');
    expect(out).toContain('luna_knowledge_chunks{source="requests"} 1');
    expect(out).toContain('luna_knowledge_retrieval_seconds_count 1');
    expect(out).toContain('luna_knowledge_answers_total{sources="cited"} 1');
    expect(out).toContain('luna_knowledge_answers_total{sources="uncited"} 1');
  });
});
