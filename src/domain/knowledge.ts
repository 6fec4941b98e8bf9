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
