/**
 * `npm run bench:knowledge`: the knowledge index at 10,000 chunks, on a redis-server of its own (so its memory is
 * the index's alone).
 *
 *   npm run bench:knowledge -- --chunks 10000 --queries 1000
 *
 * Prints: the time to write the chunks to Redis; Redis memory for them (BM25 only, and with 512- and
 * 1,024-dimension embeddings as voyage-3.5 returns them, from the fake Voyage server); one process's RSS and the time to load and
 * build its in-memory index; retrieval p50/p95 in process (the Redis version check included), for BM25 and for
 * hybrid (the question's embedding over loopback included); the catch-up after one document changes; and
 * recall@1/@5/MRR on the sample question set: BM25 on passage text alone, BM25 with the context line, hybrid.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { KnowledgeDoc } from '../src/domain/knowledge.js';
import { createLogger } from '../src/infra/log.js';
import { chunkDocument } from '../src/knowledge/chunk.js';
import { evaluate, readFolder, readQuestions } from '../src/knowledge/evaluate.js';
import { Retriever } from '../src/knowledge/retriever.js';
import { SearchIndex } from '../src/knowledge/search.js';
import { VoyageEmbedder } from '../src/knowledge/voyage.js';
import { writeDocument } from '../src/knowledge/write.js';
import { KnowledgeStore } from '../src/stores/knowledge.js';
import { FakeVoyage } from '../test/fakes/voyage-server.js';
import { startRedisServer } from '../test/helpers/redis-server.js';

const { values } = parseArgs({
  options: { chunks: { type: 'string', default: '10000' }, queries: { type: 'string', default: '1000' } },
});
const CHUNKS = Number(values.chunks);
const QUERIES = Number(values.queries);
const log = createLogger('error');

// Words drawn as natural language draws them (Zipf: the r-th commonest word has weight 1/r), the 50 commonest
// left out as stop words are; a question is drawn the same way.
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const VOCABULARY = 30_000;
const STOP = 50;
const cumulative: number[] = [];
for (let r = STOP + 1, total = 0; r <= VOCABULARY; r++) cumulative.push((total += 1 / r));
const word = () => {
  const x = rand() * cumulative.at(-1)!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return `w${(lo + STOP + 1).toString(36)}`;
};
const sentence = (n: number) => Array.from({ length: n }, word).join(' ') + '.';
const paragraph = () =>
  Array.from({ length: 4 + Math.floor(rand() * 4) }, () => sentence(8 + Math.floor(rand() * 10))).join(' ');

function generate(target: number): KnowledgeDoc[] {
  const docs: KnowledgeDoc[] = [];
  let chunks = 0;
  for (let d = 0; chunks < target; d++) {
    const sections = Array.from({ length: 3 + Math.floor(rand() * 6) }, (_, s) => ({
      headings: [`Section ${s} ${word()}`],
      text: [paragraph(), paragraph()].join('\n\n'),
    }));
    const doc: KnowledgeDoc = {
      id: `file:/bench/doc-${d}.md`,
      origin: d % 10 === 0 ? 'requests' : 'path:./knowledge',
      title: `Article ${d}: ${word()} ${word()}`,
      url: `https://docs.example.com/doc-${d}`,
      ...(d % 10 === 0 ? { account: `t-T${d % 50}` } : {}),
      sections,
    };
    chunks += chunkDocument(doc).length;
    docs.push(doc);
  }
  return docs;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(2)} ms`;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const usedMemory = async (r: Redis) => Number(/used_memory:(\d+)/.exec(await r.info('memory'))![1]);

async function measure(
  label: string,
  redis: Redis,
  prefix: string,
  embedder: VoyageEmbedder | undefined,
  docs: KnowledgeDoc[],
) {
  const store = new KnowledgeStore(redis, prefix);
  const before = await usedMemory(redis);
  const t0 = performance.now();
  for (let i = 0; i < docs.length; i += 20)
    await Promise.all(docs.slice(i, i + 20).map((d) => writeDocument({ store, embedder, log }, d, 'bench')));
  const writeMs = performance.now() - t0;
  const memory = (await usedMemory(redis)) - before;

  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const retriever = new Retriever({ store, embedder, log });
  const t1 = performance.now();
  await retriever.refresh();
  const loadMs = performance.now() - t1;
  global.gc?.();
  const rss = process.memoryUsage().rss;
  const rssDelta = rss - rss0;

  const latencies: number[] = [];
  const places = [
    { kind: 'internal' as const },
    { kind: 'customer' as const, account: 't-T10' },
    { kind: 'customer' as const },
  ];
  const questions = Array.from({ length: QUERIES }, () =>
    Array.from({ length: 4 + Math.floor(rand() * 6) }, word).join(' '),
  );
  for (const [q, question] of questions.entries()) {
    const t = performance.now();
    await retriever.retrieve(question, { place: places[q % 3]! });
    latencies.push(performance.now() - t);
  }
  // The search alone, on the same chunks: no Redis round trip, the question's embedding computed beforehand.
  const snapshot = await store.load();
  const index = new SearchIndex(snapshot.chunks);
  for (const [id, v] of snapshot.vectors) index.setVector(id, v);
  const queryVectors = embedder ? await embedder.embed(questions, 'query') : [];
  const searchOnly: number[] = [];
  for (const [q, question] of questions.entries()) {
    const t = performance.now();
    index.search(question, { place: places[q % 3]!, queryVector: queryVectors[q] });
    searchOnly.push(performance.now() - t);
  }
  // One document changes: every process catches up from the log, reading that document only.
  const changed = { ...docs[1]!, title: `${docs[1]!.title} (edited)` };
  await writeDocument({ store, embedder, log }, changed, 'bench-2');
  const t2 = performance.now();
  await retriever.refresh();
  const catchUpMs = performance.now() - t2;

  console.log(`\n${label}: ${retriever.size} chunks in ${docs.length} documents`);
  console.log(
    `  write to Redis            ${(writeMs / 1000).toFixed(2)} s (${((writeMs / retriever.size) * 1000).toFixed(0)} µs a chunk${embedder ? ', embedding calls included' : ''})`,
  );
  console.log(`  Redis memory              ${mb(memory)} (${(memory / retriever.size).toFixed(0)} bytes a chunk)`);
  console.log(
    `  load + build in a process ${ms(loadMs)}; process RSS ${mb(rss)} (${rssDelta >= 0 ? '+' : ''}${mb(rssDelta)} while loading)`,
  );
  console.log(
    `  retrieval (${QUERIES} questions) p50 ${ms(pct(latencies, 50))}  p95 ${ms(pct(latencies, 95))}  max ${ms(Math.max(...latencies))}`,
  );
  console.log(`  search alone, in memory   p50 ${ms(pct(searchOnly, 50))}  p95 ${ms(pct(searchOnly, 95))}`);
  console.log(`  catch-up after one document changed ${ms(catchUpMs)}`);
}

async function main() {
  const server = await startRedisServer((port) => ['--port', String(port)]);
  const redis = new Redis(server.port, '127.0.0.1');
  const voyage = await FakeVoyage.start(1024);
  try {
    const docs = generate(CHUNKS);
    await measure('BM25', redis, 'bench-bm25', undefined, docs);
    for (const dimensions of [512, 1024] as const) {
      const embedder = new VoyageEmbedder({ apiKey: 'bench', baseUrl: voyage.url, batchSize: 128, dimensions });
      await measure(
        `Hybrid (${dimensions}-dimension embeddings, fake Voyage on loopback)`,
        redis,
        `bench-hybrid-${dimensions}`,
        embedder,
        docs,
      );
    }

    const corpus = await readFolder('test/fixtures/knowledge/corpus');
    const questions = readQuestions(await readFile('test/fixtures/knowledge/questions.csv', 'utf8'));
    console.log(`\nSample set: ${corpus.length} documents, ${questions.length} questions`);
    for (const [label, options] of [
      ['BM25, passage text only', { contextual: false }],
      ['BM25 + context line', {}],
      ['hybrid, fake embeddings', { embedder: new VoyageEmbedder({ apiKey: 'bench', baseUrl: voyage.url }) }],
    ] as const) {
      const r = await evaluate(corpus, questions, options);
      console.log(
        `  ${label.padEnd(26)} recall@1 ${(r.recallAt1 * 100).toFixed(1)}%  recall@5 ${(r.recallAt5 * 100).toFixed(1)}%  MRR ${r.mrr.toFixed(3)}`,
      );
    }
  } finally {
    redis.disconnect();
    await voyage.close();
    await server.stop();
  }
}

await main();
