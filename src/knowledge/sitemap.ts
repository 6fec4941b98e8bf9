import { XMLParser } from 'fast-xml-parser';
import pLimit from 'p-limit';
import type { Logger } from '../infra/log.js';
import { LunaError } from '../infra/errors.js';
import { parseHtml, parseText, titleFromName } from './parse.js';
import { contentHash, writeDocument, type Writer } from './write.js';

/**
 * Pages listed by a sitemap (or a sitemap index, one level of nesting), fetched over HTTP(S) a few at a time and
 * read again every `refreshHours`. A page answered 304 to its stored ETag / Last-Modified, or whose text hashes the
 * same, is not indexed again; a page no longer listed leaves the index. Pages that fail are logged and kept as
 * they were: one broken page does not empty the help centre.
 */
export interface SitemapSourceOptions {
  sitemap: string;
  origin: string;
  /** Pages fetched at once. @defaultValue 4 */
  concurrency?: number;
  /** @defaultValue 15000 */
  timeoutMs?: number;
  /** At most this many pages per sitemap. @defaultValue 5000 */
  maxPages?: number;
}

const USER_AGENT = 'LUNA-knowledge/1 (+help-centre indexer)';
const xml = new XMLParser({
  ignoreAttributes: true,
  processEntities: true,
  isArray: (name) => name === 'url' || name === 'sitemap',
});

interface Listed {
  loc: string;
  lastmod?: string | undefined;
}

/** The pages (and nested sitemaps) a sitemap document lists. */
export function readSitemap(text: string): { pages: Listed[]; sitemaps: string[] } {
  const doc = xml.parse(text) as { urlset?: { url?: unknown[] }; sitemapindex?: { sitemap?: unknown[] } };
  const entries = (list: unknown[] | undefined) =>
    (list ?? []).flatMap((e) => {
      const o = e as { loc?: unknown; lastmod?: unknown };
      const loc = typeof o.loc === 'string' ? o.loc.trim() : '';
      const lastmod = typeof o.lastmod === 'string' || typeof o.lastmod === 'number' ? String(o.lastmod) : undefined;
      return /^https?:\/\//.test(loc) ? [{ loc, lastmod }] : [];
    });
  return { pages: entries(doc.urlset?.url), sitemaps: entries(doc.sitemapindex?.sitemap).map((s) => s.loc) };
}

export class SitemapSource {
  private readonly log: Logger;

  constructor(
    private readonly w: Writer,
    private readonly options: SitemapSourceOptions,
  ) {
    this.log = w.log.child({ source: options.origin });
  }

  /** Reads the sitemap and every page on it; returns how many pages were (re)indexed. */
  async refresh(): Promise<{ listed: number; indexed: number; failed: number; removed: number }> {
    const pages = await this.list();
    const limit = pLimit(this.options.concurrency ?? 4);
    const records = await this.w.store.docRecords();
    let indexed = 0;
    let failed = 0;
    await Promise.all(
      pages.map((p) =>
        limit(async () => {
          try {
            if (await this.page(p, records.get(`url:${p.loc}`)?.fingerprint)) indexed++;
          } catch (err) {
            failed++;
            this.log.warn('knowledge: a page could not be fetched', { url: p.loc, err });
          }
        }),
      ),
    );
    const listed = new Set(pages.map((p) => `url:${p.loc}`));
    let removed = 0;
    // A sitemap that suddenly lists nothing is far more often a broken deploy than an emptied help centre.
    if (pages.length === 0) {
      this.log.warn('knowledge: the sitemap lists no pages; its documents stay as they were');
      return { listed: 0, indexed, failed, removed };
    }
    for (const [id, r] of records) {
      if (r.origin === this.options.origin && !listed.has(id)) {
        await this.w.store.removeDocument(id);
        removed++;
      }
    }
    return { listed: pages.length, indexed, failed, removed };
  }

  private async list(): Promise<Listed[]> {
    const max = this.options.maxPages ?? 5000;
    const root = readSitemap(await (await this.get(this.options.sitemap)).text());
    const pages = [...root.pages];
    for (const nested of root.sitemaps) {
      if (pages.length >= max) break;
      try {
        pages.push(...readSitemap(await (await this.get(nested)).text()).pages);
      } catch (err) {
        this.log.warn('knowledge: a nested sitemap could not be read', { url: nested, err });
      }
    }
    const unique = new Map(pages.map((p) => [p.loc, p]));
    return [...unique.values()].slice(0, max);
  }

  /** Fetches one page; false when it had not changed. */
  private async page(p: Listed, previous: string | undefined): Promise<boolean> {
    const [etag, lastModified] = previous?.startsWith('http ') ? previous.slice(5).split('\u0000') : [];
    const headers: Record<string, string> = {};
    if (etag) headers['if-none-match'] = etag;
    if (lastModified) headers['if-modified-since'] = lastModified;
    const res = await this.get(p.loc, headers);
    if (res.status === 304) return false;
    const body = await res.text();
    const hash = contentHash(body);
    const validators =
      res.headers.get('etag') || res.headers.get('last-modified')
        ? `http ${res.headers.get('etag') ?? ''}\u0000${res.headers.get('last-modified') ?? ''}`
        : undefined;
    const fingerprint = validators ?? `sha ${hash}`;
    if (fingerprint === previous) return false;
    const type = res.headers.get('content-type') ?? '';
    const fallback = titleFromName(new URL(p.loc).pathname) || p.loc;
    const parsed = /html/i.test(type) || /^\s*</.test(body) ? parseHtml(body, fallback) : parseText(body, fallback);
    await writeDocument(
      this.w,
      { id: `url:${p.loc}`, origin: this.options.origin, title: parsed.title, url: p.loc, sections: parsed.sections },
      fingerprint,
    );
    return true;
  }

  private async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(url, {
      headers: { 'user-agent': USER_AGENT, ...headers },
      redirect: 'follow',
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
    });
    if (res.status !== 304 && !res.ok) {
      await res.body?.cancel();
      throw new LunaError('luna_knowledge_source_failed', `GET ${url} answered ${res.status}`, {
        retriable: res.status === 429 || res.status >= 500,
      });
    }
    return res;
  }
}
