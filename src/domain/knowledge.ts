import { z } from 'zod';

/**
 * What the index is made of. A *document* is one article (a file, a fetched page, a resolved request) as a title,
 * a link and its sections along headings; a *chunk* is a passage of a few hundred tokens of one section, carrying
 * its title and heading path as a context line (contextual retrieval: the passage alone often does not say what
 * it is about). Chunks are what Redis keeps and what a search returns.
 */

/** One section of a document: the headings above it (outermost first, the title excluded) and its text. */
export interface Section {
  headings: string[];
  text: string;
}

export interface KnowledgeDoc {
  /** Unique across every source: `file:<path>`, `url:<address>`, `request:<id>`. */
  id: string;
  /** Which configured source it came from (`path:./knowledge`, `sitemap:https://…`, `requests`): what metrics count by. */
  origin: string;
  title: string;
  /** Where a reader opens it; undefined when the source has no link (then answers name it without one). */
  url?: string | undefined;
  /** Set on resolved requests only: the account whose conversation it is, the only customer who may see it. */
  account?: string | undefined;
  sections: Section[];
}

export const ChunkSchema = z.object({
  id: z.string(),
  docId: z.string(),
  origin: z.string(),
  title: z.string(),
  url: z.string().optional(),
  account: z.string().optional(),
  headings: z.array(z.string()),
  /** `Title › Heading › Subheading`: what the passage is about, indexed and shown with it. */
  context: z.string(),
  text: z.string(),
});
export type Chunk = z.infer<typeof ChunkSchema>;

/** Where a question is asked, as far as knowledge cares: internal places see everything, a customer place its own. */
export type Place = { kind: 'internal' } | { kind: 'customer'; account?: string | undefined };

/**
 * Whether a passage may be retrieved for a place. Documents are for everyone; a resolved request only for its own
 * account's channels and internal places — never where another customer reads, nor into their prompt.
 */
export function mayRead(chunk: Pick<Chunk, 'account'>, place: Place): boolean {
  if (chunk.account === undefined || place.kind === 'internal') return true;
  return place.account !== undefined && place.account === chunk.account;
}

/**
 * What a question searches with: the asking message (the mention's own words, `<@…>` and links stripped by the
 * caller), then the thread's latest messages before it until `maxChars` — a follow-up such as "and for CSV?" needs
 * the message it follows to find anything.
 */
export function questionForRetrieval(asking: string, earlier: readonly string[], maxChars = 600): string {
  const parts = [asking.trim()];
  let length = parts[0]!.length;
  for (const text of [...earlier].reverse()) {
    const t = text.trim();
    if (!t) continue;
    if (length + t.length + 1 > maxChars) break;
    parts.push(t);
    length += t.length + 1;
  }
  return parts.join('\n');
}

/**
 * Whether an answer may be posted where it was asked, as far as its sources go (`customerAnswersNeedSources`):
 * where a customer reads, an answer that cited nothing goes to the team as a draft instead; internal places take
 * it, marked as unsourced.
 */
export function sourcesVerdict(
  place: Place,
  citedSources: number,
  needSources: boolean,
): 'post' | 'post_unsourced' | 'draft' {
  if (citedSources > 0) return 'post';
  return place.kind === 'customer' && needSources ? 'draft' : 'post_unsourced';
}

/**
 * Whether LUNA answers from knowledge at all: some source is configured, or resolved requests become knowledge (which
 * needs requests on). Without it answers are as before — and `customerAnswersNeedSources` asks for nothing, since
 * there is nothing to cite.
 */
export function knowledgeInUse(
  k: { sources: readonly unknown[]; resolvedRequests: boolean },
  requestsOn: boolean,
): boolean {
  return k.sources.length > 0 || (k.resolvedRequests && requestsOn);
}
