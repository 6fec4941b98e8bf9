import type { Chunk, Place } from '../domain/knowledge.js';
import type { Logger } from '../infra/log.js';
import type { KnowledgeStore } from '../stores/knowledge.js';
import { SearchIndex, type Hit, type IndexOptions } from './search.js';
import type { Embedder } from './voyage.js';

/**
 * One process's view of the shared index: the search structure in memory, brought up to date with Redis before a
 * search when the version there moved (only the documents that changed are read, from the store's log). Concurrent
 * searches share one refresh.
 */
export interface RetrieveOptions {
  place: Place;
  /** @defaultValue 5 */
  limit?: number;
}

export interface RetrieverOptions extends IndexOptions {
  store: KnowledgeStore;
  embedder?: Embedder | undefined;
  log: Logger;
  /** Observes each retrieval's duration in seconds (the metric). */
  observe?: (seconds: number) => void;
}

export class Retriever {
  private index: SearchIndex;
  private version = -1;
  private refreshing: Promise<void> | undefined;
  private readonly docChunks = new Map<string, string[]>();

  constructor(private readonly o: RetrieverOptions) {
    this.index = new SearchIndex([], o);
  }

  get size(): number {
    return this.index.size;
  }

  get loadedVersion(): number {
    return this.version;
  }

  /** The passages for a question that the place may read, best first. */
  async retrieve(question: string, options: RetrieveOptions): Promise<Hit[]> {
    const started = performance.now();
    await this.refresh();
    let queryVector: Float32Array | undefined;
    if (this.o.embedder && this.index.vectorCount > 0) {
      try {
        [queryVector] = await this.o.embedder.embed([question], 'query');
      } catch (err) {
        this.o.log.warn('knowledge: question embedding failed; searching by keywords only', { err });
      }
    }
    const hits = this.index.search(question, { place: options.place, limit: options.limit ?? 5, queryVector });
    this.o.observe?.((performance.now() - started) / 1000);
    return hits;
  }

  /** Catches up with Redis if its version moved. */
  refresh(): Promise<void> {
    this.refreshing ??= this.catchUp().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async catchUp(): Promise<void> {
    // The common case, nothing changed, costs one GET.
    if (this.version >= 0 && (await this.o.store.version()) === this.version) return;
    const changes = this.version >= 0 ? await this.o.store.changesSince(this.version) : undefined;
    if (changes) {
      if (changes.version === this.version) return;
      for (const docId of changes.changedDocs) {
        this.index.remove(this.docChunks.get(docId) ?? []);
        this.docChunks.delete(docId);
      }
      this.add(changes.chunks, changes.vectors);
      this.version = changes.version;
      return;
    }
    const snapshot = await this.o.store.load();
    this.index = new SearchIndex([], this.o);
    this.docChunks.clear();
    this.add(snapshot.chunks, snapshot.vectors);
    this.version = snapshot.version;
  }

  private add(chunks: readonly Chunk[], vectors: Map<string, Float32Array>): void {
    this.index.addAll(chunks);
    for (const c of chunks) {
      const list = this.docChunks.get(c.docId) ?? [];
      list.push(c.id);
      this.docChunks.set(c.docId, list);
    }
    for (const [id, v] of vectors) this.index.setVector(id, v);
  }
}
