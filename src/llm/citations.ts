import type { SearchResultBlockParam, TextBlock, TextCitation } from '@anthropic-ai/sdk/resources/messages';
import type { Chunk } from '../domain/knowledge.js';
import { escapeMrkdwn } from '../render/mrkdwn.js';

/**
 * Retrieved passages in, numbered source links out. Passages reach the model as `search_result` content blocks
 * with citations on (all of them: the API refuses a request that turns them on for some results only); the
 * model's `search_result_location` citations — on the text blocks of a reply, or streamed as `citations_delta` —
 * name the result by its index among every search result of the request, in order. The sources are numbered by
 * first citation, one number per article however many of its passages were cited, and written at the answer's
 * end as Slack links `<url|title>`.
 */

/**
 * The per-request instruction that goes with the passages (after the cached prefix): answer from them, cite them,
 * and say so when they do not hold the answer rather than guess.
 */
export const KNOWLEDGE_INSTRUCTIONS =
  'The search results in this message are passages from the team’s documents and past resolved requests. Answer from them where they hold the answer, and cite them. If they do not hold the answer, say plainly that you could not find it in the team’s documents; do not guess product facts (limits, prices, settings, dates).';

/** The source string of a passage that has no link: never shown, only matched back. */
const LINKLESS = 'luna:';

export function searchResultBlocks(chunks: readonly Chunk[]): SearchResultBlockParam[] {
  return chunks.map((c) => ({
    type: 'search_result',
    source: c.url ?? `${LINKLESS}${c.docId}`,
    title: c.context,
    // One text block per paragraph: a citation names whole blocks, so smaller blocks cite more precisely.
    content: c.text
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter(Boolean)
      .map((text) => ({ type: 'text', text })),
    citations: { enabled: true },
  }));
}

export interface CitedSource {
  n: number;
  title: string;
  url?: string | undefined;
}

/** Collects the citations of one answer (streamed or not) against the passages its request carried. */
export class CitationCollector {
  private readonly byKey = new Map<string, CitedSource>();

  /** `chunks` in the order their search_result blocks were sent, and how many search results came before them. */
  constructor(
    private readonly chunks: readonly Chunk[],
    private readonly firstIndex = 0,
  ) {}

  /** Adds one citation (a `citations_delta`'s `citation`); returns its source number, or undefined if it names no passage of ours. */
  add(citation: TextCitation): number | undefined {
    if (citation.type !== 'search_result_location') return undefined;
    const chunk =
      this.chunks[citation.search_result_index - this.firstIndex] ??
      this.chunks.find((c) => (c.url ?? `${LINKLESS}${c.docId}`) === citation.source);
    if (!chunk) return undefined;
    const key = chunk.url ?? chunk.docId;
    let source = this.byKey.get(key);
    if (!source) {
      source = { n: this.byKey.size + 1, title: chunk.title, ...(chunk.url ? { url: chunk.url } : {}) };
      this.byKey.set(key, source);
    }
    return source.n;
  }

  /**
   * A non-streamed reply's text with each cited block followed by its source numbers (`… 1M rows [1]`). Every
   * citation is collected on the way.
   */
  textOf(content: readonly { type: string }[]): string {
    let out = '';
    for (const block of content) {
      if (block.type !== 'text') continue;
      const b = block as TextBlock;
      const numbers = [
        ...new Set((b.citations ?? []).map((c) => this.add(c)).filter((n): n is number => n !== undefined)),
      ];
      out += b.text + (numbers.length ? ` ${numbers.map((n) => `[${n}]`).join('')}` : '');
    }
    return out;
  }

  get sources(): CitedSource[] {
    return [...this.byKey.values()];
  }
}

/** A link Slack cannot misread: `|`, `<` and `>` percent-encoded, the title escaped. */
function link(url: string, title: string): string {
  const safeUrl = url.replace(/[|<> ]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `<${safeUrl}|${escapeMrkdwn(title).replace(/\|/g, '¦')}>`;
}

/** The lines at the answer's end: `Sources:` then `[1] <url|title>` per cited article; empty when nothing was cited. */
export function sourcesFooter(sources: readonly CitedSource[]): string {
  if (sources.length === 0) return '';
  return ['*Sources*', ...sources.map((s) => `[${s.n}] ${s.url ? link(s.url, s.title) : escapeMrkdwn(s.title)}`)].join(
    '\n',
  );
}
