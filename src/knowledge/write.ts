import { createHash } from 'node:crypto';
import type { KnowledgeDoc } from '../domain/knowledge.js';
import type { Logger } from '../infra/log.js';
import type { KnowledgeStore } from '../stores/knowledge.js';
import { chunkDocument } from './chunk.js';
import type { Embedder } from './voyage.js';

/**
 * Puts one document into the shared index: chunked, embedded when an embedder is configured (a failed embedding
 * call leaves the document searchable by keywords, and says so in the log), replaced in Redis at once.
 */
export interface Writer {
  store: KnowledgeStore;
  embedder?: Embedder | undefined;
  log: Logger;
}

export async function writeDocument(w: Writer, doc: KnowledgeDoc, fingerprint: string): Promise<number> {
  const chunks = chunkDocument(doc);
  let vectors: Map<string, Float32Array> | undefined;
  if (w.embedder && chunks.length > 0) {
    try {
      const embedded = await w.embedder.embed(
        chunks.map((c) => `${c.context}\n\n${c.text}`),
        'document',
      );
      vectors = new Map(chunks.map((c, i) => [c.id, embedded[i]!]));
    } catch (err) {
      w.log.warn('knowledge: embeddings failed; the document is searchable by keywords only', { doc: doc.id, err });
    }
  }
  const record = {
    origin: doc.origin,
    title: doc.title,
    ...(doc.url ? { url: doc.url } : {}),
    fingerprint,
    indexedAt: Date.now(),
  };
  return w.store.putDocument(doc.id, record, chunks, vectors);
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** A resolved request as knowledge: the customer's question and the team's answer, for its account only. */
export interface ResolvedRequest {
  requestId: string;
  accountId: string;
  accountName: string;
  question: string;
  answer: string;
  /** The thread's permalink: what the answer links to. */
  url?: string | undefined;
}

export const REQUESTS_ORIGIN = 'requests';

export const resolvedRequestDocId = (requestId: string) => `request:${requestId}`;

export function resolvedRequestDocument(r: ResolvedRequest): KnowledgeDoc {
  const firstLine = r.question.split('\n', 1)[0]!.trim();
  const title = `${r.accountName}: ${firstLine.length > 80 ? `${firstLine.slice(0, 79)}…` : firstLine}`;
  return {
    id: resolvedRequestDocId(r.requestId),
    origin: REQUESTS_ORIGIN,
    title,
    url: r.url,
    account: r.accountId,
    sections: [
      { headings: ['Question'], text: r.question.trim() },
      { headings: ['Answer'], text: r.answer.trim() },
    ].filter((s) => s.text),
  };
}
