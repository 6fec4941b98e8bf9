import path from 'node:path';
import type { KnowledgeConfig } from '../config/knowledge.js';
import type { Logger } from '../infra/log.js';
import type { KnowledgeStore } from '../stores/knowledge.js';
import { FolderSource } from './folder.js';
import { SitemapSource } from './sitemap.js';
import type { Embedder } from './voyage.js';
import { resolvedRequestDocId, resolvedRequestDocument, writeDocument, type ResolvedRequest } from './write.js';

/**
 * Keeps the shared index in step with the configured sources. Exactly one process indexes at a time: it holds a
 * lease in Redis (renewed every third of its life); the others try again each renewal period, so when the holder
 * stops or dies, another takes over within a lease's life. The holder watches the folders and reads each sitemap
 * when `refreshHours` have passed since the last read — a time kept in Redis, so a restart does not read it early.
 *
 * Resolved requests are put by whichever process resolves them (`putResolvedRequest`), lease or not.
 */
export interface IndexerOptions {
  store: KnowledgeStore;
  config: KnowledgeConfig;
  /** Folder paths in the config are relative to this (the config file's folder). */
  baseDir: string;
  embedder?: Embedder | undefined;
  log: Logger;
  /** @defaultValue 30000 */
  leaseMs?: number;
  /** How often the holder checks whether a sitemap is due. @defaultValue 60000 */
  checkEveryMs?: number;
  /** Passed to folder watchers (tests use a short one). */
  settleMs?: number;
}

export class KnowledgeIndexer {
  private token: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private folders: FolderSource[] = [];
  private sitemaps: { source: SitemapSource; origin: string }[] = [];
  private lastSitemapCheck = 0;
  private running: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly o: IndexerOptions) {
    this.log = o.log.child({ part: 'knowledge-indexer' });
  }

  get holdsLease(): boolean {
    return this.token !== undefined;
  }

  /** Begins competing for the lease; resolves after the first attempt (and, if it won, the first scan). */
  async start(): Promise<void> {
    await this.tick();
    this.schedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
    await this.stopSources();
    if (this.token) await this.o.store.releaseLease(this.token).catch(() => undefined);
    this.token = undefined;
  }

  /** Puts a resolved request's question and answer into the index (its account only). */
  async putResolvedRequest(r: ResolvedRequest): Promise<void> {
    if (!this.o.config.resolvedRequests) return;
    const doc = resolvedRequestDocument(r);
    await writeDocument(this.writer(), doc, `request ${Date.now()}`);
  }

  /** Takes a request that was reopened (or withdrawn) out of the index. */
  async removeResolvedRequest(requestId: string): Promise<void> {
    await this.o.store.removeDocument(resolvedRequestDocId(requestId));
  }

  /** Every folder's pending changes are in the index (tests). */
  async settled(): Promise<void> {
    await this.running;
    await Promise.all(this.folders.map((f) => f.settled()));
  }

  private get leaseMs(): number {
    return this.o.leaseMs ?? 30_000;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule());
    }, this.leaseMs / 3);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      if (this.token) {
        if (!(await this.o.store.renewLease(this.token, this.leaseMs))) {
          this.log.warn('knowledge: the indexer lease was lost; another process indexes now');
          this.token = undefined;
          await this.stopSources();
          return;
        }
      } else {
        this.token = await this.o.store.acquireLease(this.leaseMs);
        if (!this.token) return;
        this.log.info('knowledge: this process indexes the sources');
        await this.startSources();
      }
      if (Date.now() - this.lastSitemapCheck >= (this.o.checkEveryMs ?? 60_000)) await this.refreshDueSitemaps();
    } catch (err) {
      this.log.warn('knowledge: indexer step failed; it is tried again', { err });
    }
  }

  private writer() {
    return { store: this.o.store, embedder: this.o.embedder, log: this.log };
  }

  private async startSources(): Promise<void> {
    for (const s of this.o.config.sources) {
      if ('path' in s) {
        const folder = new FolderSource(this.writer(), {
          dir: path.resolve(this.o.baseDir, s.path),
          origin: `path:${s.path}`,
          baseUrl: s.url,
          ...(this.o.settleMs !== undefined ? { settleMs: this.o.settleMs } : {}),
        });
        try {
          await folder.start();
          this.folders.push(folder);
        } catch (err) {
          // The other sources still start; this one is tried again when the lease is next won (a restart).
          this.log.warn('knowledge: a folder source could not start; its documents stay as they were', {
            source: s.path,
            err,
          });
          await folder.close();
        }
      } else {
        this.sitemaps.push({
          source: new SitemapSource(this.writer(), { sitemap: s.sitemap, origin: `sitemap:${s.sitemap}` }),
          origin: `sitemap:${s.sitemap}`,
        });
      }
    }
    this.lastSitemapCheck = 0;
  }

  private async stopSources(): Promise<void> {
    const folders = this.folders;
    this.folders = [];
    this.sitemaps = [];
    await Promise.all(folders.map((f) => f.close()));
  }

  private async refreshDueSitemaps(): Promise<void> {
    this.lastSitemapCheck = Date.now();
    const everyMs = this.o.config.refreshHours * 3_600_000;
    for (const { source, origin } of this.sitemaps) {
      const last = await this.o.store.lastRefreshed(origin);
      if (last !== undefined && Date.now() - last < everyMs) continue;
      const started = Date.now();
      const result = await source.refresh();
      await this.o.store.markRefreshed(origin, started);
      this.log.info('knowledge: sitemap read', { origin, ...result, ms: Date.now() - started });
    }
  }
}
