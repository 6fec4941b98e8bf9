import type { Chunk, KnowledgeDoc } from '../domain/knowledge.js';

/**
 * Documents → passages of a few hundred tokens, along headings: a section that fits is one chunk; a longer one is
 * cut between paragraphs (a paragraph longer than a chunk between sentences, then words), so a passage never
 * starts mid-thought where it can be helped. Each chunk carries its document's title and heading path as its
 * context line. Tokens are estimated at four characters each, as elsewhere in LUNA.
 */

/** About 300 tokens. */
export const CHUNK_CHARS = 1200;

export const CONTEXT_SEPARATOR = ' › ';

export function contextLine(title: string, headings: readonly string[]): string {
  return [title, ...headings].join(CONTEXT_SEPARATOR);
}

/** Pieces no longer than `max`: paragraphs, else sentences, else words, else characters. */
function pieces(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  for (const split of [/\n\s*\n/, /(?<=[.!?])\s+/, /\s+/]) {
    const parts = text.split(split).filter((p) => p.trim());
    if (parts.length > 1) return parts.flatMap((p) => pieces(p.trim(), max));
  }
  const out: string[] = [];
  for (let i = 0; i < text.length; i += max) out.push(text.slice(i, i + max));
  return out;
}

/** Joins pieces back into runs of at most `max` characters. */
function pack(parts: string[], max: number, joiner: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const p of parts) {
    if (cur && cur.length + joiner.length + p.length > max) {
      out.push(cur);
      cur = p;
    } else cur = cur ? `${cur}${joiner}${p}` : p;
  }
  if (cur) out.push(cur);
  return out;
}

export function chunkDocument(doc: KnowledgeDoc, max = CHUNK_CHARS): Chunk[] {
  const chunks: Chunk[] = [];
  for (const section of doc.sections) {
    const paragraphs = section.text.split(/\n\s*\n/).filter((p) => p.trim());
    const parts = paragraphs.flatMap((p) => pieces(p.trim(), max));
    for (const text of pack(parts, max, '\n\n')) {
      chunks.push({
        id: `${doc.id}#${chunks.length}`,
        docId: doc.id,
        origin: doc.origin,
        title: doc.title,
        ...(doc.url ? { url: doc.url } : {}),
        ...(doc.account ? { account: doc.account } : {}),
        headings: section.headings,
        context: contextLine(doc.title, section.headings),
        text,
      });
    }
  }
  return chunks;
}
