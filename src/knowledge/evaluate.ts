import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { Chunk, KnowledgeDoc } from '../domain/knowledge.js';
import { chunkDocument } from './chunk.js';
import { linkFor } from './folder.js';
import { formatOf, parseContent, titleFromName } from './parse.js';
import { SearchIndex, type IndexOptions } from './search.js';
import type { Embedder } from './voyage.js';

/**
 * Measures retrieval on a team's own corpus: a folder read the way a `path:` source is, and a CSV of questions
 * with the source each should find (a file's path inside the folder, or its link). Recall@k is the share of
 * questions whose source is among the first k *documents* found (several passages of one article count once);
 * MRR the mean of 1/rank (0 when not in the first 20).
 */
export interface Question {
  question: string;
  expected: string;
}

const Row = z.object({ question: z.string().trim().min(1), expected: z.string().trim().min(1) });

/** Reads `question,expected_source` rows (a header row is recognised and skipped). */
export function readQuestions(csv: string): Question[] {
  const rows: string[][] = parse(csv, { skip_empty_lines: true, trim: true, relax_column_count: true });
  const body = rows.length > 0 && /^question$/i.test(rows[0]![0] ?? '') ? rows.slice(1) : rows;
  return body.map((r, i) => {
    const parsed = Row.safeParse({ question: r[0], expected: r[1] });
    if (!parsed.success) throw new Error(`questions line ${i + 2}: needs a question and its expected source`);
    return parsed.data;
  });
}

/** Every readable file of a folder as documents, ids relative to the folder (`file:billing/refunds.md`). */
export async function readFolder(dir: string, baseUrl?: string): Promise<KnowledgeDoc[]> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter(
    (e) => e.isFile() && formatOf(e.name),
  );
  const docs: KnowledgeDoc[] = [];
  for (const f of files) {
    const full = path.join(f.parentPath, f.name);
    const format = formatOf(full)!;
    const relative = path.relative(dir, full).split(path.sep).join('/');
    const parsed = parseContent(format, await readFile(full, 'utf8'), titleFromName(full));
    docs.push({
      id: `file:${relative}`,
      origin: 'eval',
      title: parsed.title,
      url: parsed.url ?? (baseUrl ? linkFor(baseUrl, relative) : undefined),
      sections: parsed.sections,
    });
  }
  return docs;
}

export interface EvalResult {
  questions: number;
  chunks: number;
  recallAt1: number;
  recallAt5: number;
  mrr: number;
  /** Questions whose source was not in the first five, with what came first instead. */
  misses: { question: string; expected: string; got: string | undefined }[];
}

export interface EvalOptions extends IndexOptions {
  embedder?: Embedder | undefined;
}

export async function evaluate(
  docs: readonly KnowledgeDoc[],
  questions: readonly Question[],
  options: EvalOptions = {},
): Promise<EvalResult> {
  const chunks: Chunk[] = docs.flatMap((d) => chunkDocument(d));
  const index = new SearchIndex(chunks, options);
  const embedder = options.embedder;
  if (embedder) {
    const vectors = await embedder.embed(
      chunks.map((c) => `${c.context}\n\n${c.text}`),
      'document',
    );
    chunks.forEach((c, i) => index.setVector(c.id, vectors[i]!));
  }
  const queryVectors = embedder
    ? await embedder.embed(
        questions.map((q) => q.question),
        'query',
      )
    : [];
  let at1 = 0;
  let at5 = 0;
  let rr = 0;
  const misses: EvalResult['misses'] = [];
  questions.forEach((q, qi) => {
    const hits = index.search(q.question, { place: { kind: 'internal' }, limit: 40, queryVector: queryVectors[qi] });
    const docsFound: { key: string; url: string | undefined }[] = [];
    for (const h of hits)
      if (!docsFound.some((d) => d.key === h.chunk.docId)) docsFound.push({ key: h.chunk.docId, url: h.chunk.url });
    const rank = docsFound.slice(0, 20).findIndex((d) => d.key === `file:${q.expected}` || d.url === q.expected) + 1;
    if (rank === 1) at1++;
    if (rank >= 1 && rank <= 5) at5++;
    else misses.push({ question: q.question, expected: q.expected, got: docsFound[0]?.key.replace(/^file:/, '') });
    if (rank > 0) rr += 1 / rank;
  });
  const n = questions.length || 1;
  return {
    questions: questions.length,
    chunks: chunks.length,
    recallAt1: at1 / n,
    recallAt5: at5 / n,
    mrr: rr / n,
    misses,
  };
}
