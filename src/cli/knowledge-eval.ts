import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { evaluate, readFolder, readQuestions } from '../knowledge/evaluate.js';
import { VoyageEmbedder } from '../knowledge/voyage.js';

/**
 * `npm run eval:knowledge -- --questions FILE.csv [--dir DIR] [--url BASE]`: how well LUNA finds the right
 * article for a team's own questions (recall@1, recall@5, MRR). With VOYAGE_API_KEY set it measures the hybrid
 * search (keywords and embeddings) as well as keywords alone. Reads files only: no Slack, no Redis.
 */
const USAGE =
  'usage: npm run eval:knowledge -- --questions questions.csv [--dir ./knowledge] [--url https://docs.example.com]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { questions: { type: 'string' }, dir: { type: 'string' }, url: { type: 'string' } },
  });
  if (!values.questions) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const dir = path.resolve(values.dir ?? './knowledge');
  const questions = readQuestions(await readFile(path.resolve(values.questions), 'utf8'));
  const docs = await readFolder(dir, values.url);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const report = (label: string, r: Awaited<ReturnType<typeof evaluate>>) =>
    process.stdout.write(
      `${label.padEnd(28)} recall@1 ${pct(r.recallAt1).padStart(6)}  recall@5 ${pct(r.recallAt5).padStart(6)}  MRR ${r.mrr.toFixed(3)}\n`,
    );

  process.stdout.write(`${docs.length} documents in ${dir}, ${questions.length} questions\n`);
  const bm25 = await evaluate(docs, questions);
  report('BM25 + context line', bm25);
  report('BM25, passage text only', await evaluate(docs, questions, { contextual: false }));
  const key = process.env.VOYAGE_API_KEY;
  if (key) {
    const embedder = new VoyageEmbedder({
      apiKey: key,
      ...(process.env.VOYAGE_BASE_URL ? { baseUrl: process.env.VOYAGE_BASE_URL } : {}),
    });
    report('hybrid (BM25 + Voyage, RRF)', await evaluate(docs, questions, { embedder }));
  }
  for (const m of bm25.misses)
    process.stdout.write(
      `  not in top 5: "${m.question}" → expected ${m.expected}, first found ${m.got ?? 'nothing'}\n`,
    );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
