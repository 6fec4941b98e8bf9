import MiniSearch from 'minisearch';
import { mayRead, type Chunk, type Place } from '../domain/knowledge.js';

/**
 * The in-memory search over chunks: BM25 (MiniSearch's BM25+) over title, context line and text, and — when
 * chunk embeddings are known — cosine similarity to the question's embedding, the two rankings fused by
 * reciprocal rank fusion. Both lists are filtered by who may read a passage before they are ranked, so a
 * passage a place may not see never takes a place in its top k.
 */

/** Words that say nothing about what a passage is about; BM25 would rank them low anyway, this keeps the index small. */
const STOP_WORDS = new Set(
  'a an and are as at be by can do does for from how i if in is it its me my of on or our so that the their them then there these this to was we what when where which who why will with you your'.split(
    ' ',
  ),
);

/** RRF's constant: the usual 60 (Cormack et al.), which damps the weight of the very first ranks. */
const RRF_K = 60;
/** Each ranking contributes this many candidates to the fusion. */
const CANDIDATES = 50;

export interface Hit {
  chunk: Chunk;
  /** The fused score (BM25 alone: its score). Higher is better; comparable only within one search. */
  score: number;
}

export interface SearchOptions {
  place: Place;
  /** @defaultValue 5 */
  limit?: number;
  /** The question's embedding (same model as the chunks'); without it the search is BM25 alone. */
  queryVector?: Float32Array | undefined;
}

export interface IndexOptions {
  /**
   * Index each chunk's context line (title › headings) with it. On by default; off only to measure what it buys.
   * @defaultValue true
   */
  contextual?: boolean;
}

export function processTerm(term: string): string | null {
  const t = term.toLowerCase();
  return t.length < 2 || STOP_WORDS.has(t) ? null : t;
}

export class SearchIndex {
  private readonly mini: MiniSearch<Chunk>;
  private readonly chunks = new Map<string, Chunk>();
  private readonly vectors = new VectorTable();

  constructor(chunks: Iterable<Chunk> = [], options: IndexOptions = {}) {
    const contextual = options.contextual ?? true;
    this.mini = new MiniSearch<Chunk>({
      fields: contextual ? ['title', 'context', 'text'] : ['text'],
      storeFields: [],
      processTerm,
      searchOptions: { boost: { title: 2, context: 1.5 }, prefix: (term) => term.length > 4, combineWith: 'OR' },
    });
    this.addAll(chunks);
  }

  get size(): number {
    return this.chunks.size;
  }

  addAll(chunks: Iterable<Chunk>): void {
    const fresh: Chunk[] = [];
    for (const c of chunks) {
      if (this.chunks.has(c.id)) this.mini.discard(c.id);
      this.chunks.set(c.id, c);
      fresh.push(c);
    }
    this.mini.addAll(fresh);
  }

  remove(ids: Iterable<string>): void {
    for (const id of ids) {
      if (!this.chunks.delete(id)) continue;
      this.mini.discard(id);
      this.vectors.remove(id);
    }
  }

  /** Kept normalised, so a search's cosine is one dot product per chunk. */
  setVector(id: string, v: Float32Array): void {
    if (!this.chunks.has(id)) return;
    this.vectors.set(id, v);
  }

  get vectorCount(): number {
    return this.vectors.size;
  }

  search(query: string, options: SearchOptions): Hit[] {
    const limit = options.limit ?? 5;
    const allowed = (id: string) => {
      const c = this.chunks.get(id);
      return c !== undefined && mayRead(c, options.place);
    };
    const filter = (r: { id: unknown }) => allowed(String(r.id));
    let found = this.mini.search(query, { filter });
    // Typos are forgiven only when the words as written find too little: fuzzy matching costs several times more.
    if (found.length < limit)
      found = this.mini.search(query, { filter, fuzzy: (term) => (term.length > 5 ? 0.2 : false) });
    const keyword = found.slice(0, CANDIDATES).map((r) => ({ id: String(r.id), score: r.score }));
    const semantic = options.queryVector && this.vectors.size > 0 ? this.nearest(options.queryVector, allowed) : [];
    if (semantic.length === 0)
      return keyword.slice(0, limit).map((r) => ({ chunk: this.chunks.get(r.id)!, score: r.score }));
    return fuse([keyword.map((r) => r.id), semantic.map((r) => r.id)])
      .slice(0, limit)
      .map((r) => ({ chunk: this.chunks.get(r.id)!, score: r.score }));
  }

  private nearest(q: Float32Array, allowed: (id: string) => boolean): { id: string; score: number }[] {
    return this.vectors.top(q, CANDIDATES, allowed);
  }
}

/**
 * Embeddings in one contiguous Float32Array, normalised as they arrive: a search is a single pass of dot
 * products over memory in order, several times faster than a map of small arrays. A removed row is filled
 * with the last one.
 */
class VectorTable {
  private data = new Float32Array(0);
  private dims = 0;
  private readonly ids: string[] = [];
  private readonly rowOf = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  set(id: string, v: Float32Array): void {
    if (this.dims === 0) this.dims = v.length;
    if (v.length !== this.dims) return;
    const n = norm(v) || 1;
    let row = this.rowOf.get(id);
    if (row === undefined) {
      row = this.ids.length;
      if ((row + 1) * this.dims > this.data.length) {
        const grown = new Float32Array(Math.max(1024, (row + 1) * 2) * this.dims);
        grown.set(this.data);
        this.data = grown;
      }
      this.ids.push(id);
      this.rowOf.set(id, row);
    }
    for (let i = 0; i < this.dims; i++) this.data[row * this.dims + i] = v[i]! / n;
  }

  remove(id: string): void {
    const row = this.rowOf.get(id);
    if (row === undefined) return;
    const last = this.ids.length - 1;
    if (row !== last) {
      this.data.copyWithin(row * this.dims, last * this.dims, (last + 1) * this.dims);
      const moved = this.ids[last]!;
      this.ids[row] = moved;
      this.rowOf.set(moved, row);
    }
    this.ids.pop();
    this.rowOf.delete(id);
  }

  /** The `k` rows most similar to `q` (cosine) that pass `allowed`, best first; no allocation per row. */
  top(q: Float32Array, k: number, allowed: (id: string) => boolean): { id: string; score: number }[] {
    if (q.length !== this.dims || k <= 0) return [];
    const qn = norm(q) || 1;
    const d = this.dims;
    const data = this.data;
    const best: { id: string; score: number }[] = [];
    for (let r = 0; r < this.ids.length; r++) {
      let s = 0;
      const base = r * d;
      for (let i = 0; i < d; i++) s += q[i]! * data[base + i]!;
      s /= qn;
      if (best.length === k && s <= best[k - 1]!.score) continue;
      const id = this.ids[r]!;
      if (!allowed(id)) continue;
      let at = best.length;
      while (at > 0 && best[at - 1]!.score < s) at--;
      best.splice(at, 0, { id, score: s });
      if (best.length > k) best.pop();
    }
    return best;
  }
}

/** Reciprocal rank fusion: each list adds 1/(k + rank) for the ids it ranks; ties keep the first list's order. */
export function fuse(rankings: readonly (readonly string[])[], k = RRF_K): { id: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const list of rankings) list.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

function norm(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}
