/**
 * `search_result` content blocks as the Messages API treats them: validated with its rules (a source, a title,
 * non-empty text content, nothing else; citations on for all of a request's search results or for none), and
 * cited back as `search_result_location` citations naming the result by its index among every search result of
 * the request (top-level user content and tool results alike, in order).
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const SEARCH_RESULT_KEYS = new Set(['type', 'source', 'title', 'content', 'citations', 'cache_control']);

export interface SearchResult {
  source: string;
  title: string;
  texts: string[];
  citable: boolean;
}

/** Where search results may stand: a user turn's blocks, and the content of its tool results. */
function* searchResultBlocks(messages: unknown): Generator<{ block: Obj; at: string; role: unknown }> {
  if (!Array.isArray(messages)) return;
  for (const [i, m] of messages.entries()) {
    if (!isObj(m) || !Array.isArray(m.content)) continue;
    for (const [j, b] of (m.content as unknown[]).entries()) {
      if (!isObj(b)) continue;
      if (b.type === 'search_result') yield { block: b, at: `messages.${i}.content.${j}`, role: m.role };
      if (b.type === 'tool_result' && Array.isArray(b.content)) {
        for (const [k, inner] of (b.content as unknown[]).entries()) {
          if (isObj(inner) && inner.type === 'search_result')
            yield { block: inner, at: `messages.${i}.content.${j}.content.${k}`, role: m.role };
        }
      }
    }
  }
}

/** The API's 400 message for the first malformed search result, or for mixed citation settings; undefined if fine. */
export function validateSearchResults(messages: unknown): string | undefined {
  const settings = new Set<boolean>();
  for (const { block: b, at, role } of searchResultBlocks(messages)) {
    if (role !== 'user') return `${at}: search_result blocks are only allowed in user messages`;
    for (const k of Object.keys(b)) if (!SEARCH_RESULT_KEYS.has(k)) return `${at}.${k}: Extra inputs are not permitted`;
    if (b.source === undefined) return `${at}.source: Field required`;
    if (typeof b.source !== 'string') return `${at}.source: Input should be a valid string`;
    if (b.title === undefined) return `${at}.title: Field required`;
    if (typeof b.title !== 'string') return `${at}.title: Input should be a valid string`;
    if (b.content === undefined) return `${at}.content: Field required`;
    if (!Array.isArray(b.content)) return `${at}.content: Input should be a valid list`;
    if (b.content.length === 0) return `${at}.content: List should have at least 1 item after validation, not 0`;
    for (const [k, t] of (b.content as unknown[]).entries()) {
      if (!isObj(t) || t.type !== 'text')
        return `${at}.content.${k}: Input tag '${isObj(t) ? String(t.type) : typeof t}' does not match the expected tag 'text'`;
      if (typeof t.text !== 'string') return `${at}.content.${k}.text: Field required`;
      if (t.text === '') return `${at}.content.${k}.text: text content blocks must be non-empty`;
    }
    if (b.citations !== undefined) {
      if (!isObj(b.citations)) return `${at}.citations: Input should be a valid dictionary`;
      if (b.citations.enabled !== undefined && typeof b.citations.enabled !== 'boolean')
        return `${at}.citations.enabled: Input should be a valid boolean`;
    }
    settings.add(isObj(b.citations) && b.citations.enabled === true);
  }
  if (settings.size > 1) {
    return 'Mixing search results with different citation settings is not supported: enable citations on all search results or on none';
  }
  return undefined;
}

/** The request's search results, in the order citations count them. Call only on a request that validated. */
export function searchResultsOf(messages: unknown): SearchResult[] {
  return [...searchResultBlocks(messages)].map(({ block: b }) => ({
    source: b.source as string,
    title: b.title as string,
    texts: (b.content as Obj[]).map((t) => t.text as string),
    citable: isObj(b.citations) && b.citations.enabled === true,
  }));
}

export interface SearchResultLocation {
  type: 'search_result_location';
  cited_text: string;
  search_result_index: number;
  source: string;
  title: string | null;
  start_block_index: number;
  end_block_index: number;
}

/**
 * Citations of whole search results (every block of each), as the model would write them. Throws for an index the
 * request does not have or whose citations are off: that is a mistake in the test's script, not a model reply.
 */
export function citationsOf(results: readonly SearchResult[], indices: readonly number[]): SearchResultLocation[] {
  return indices.map((i) => {
    const r = results[i];
    if (!r) throw new Error(`FakeAnthropic: the reply cites search result ${i}, but the request has ${results.length}`);
    if (!r.citable)
      throw new Error(`FakeAnthropic: the reply cites search result ${i}, whose citations are not enabled`);
    return {
      type: 'search_result_location',
      cited_text: r.texts.join(''),
      search_result_index: i,
      source: r.source,
      title: r.title,
      start_block_index: 0,
      end_block_index: r.texts.length,
    };
  });
}
