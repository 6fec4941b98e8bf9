import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KnowledgeSchema } from '../../src/config/knowledge.js';
import { createLogger } from '../../src/infra/log.js';
import { KnowledgeIndexer } from '../../src/knowledge/indexer.js';
import { Retriever } from '../../src/knowledge/retriever.js';
import { SitemapSource } from '../../src/knowledge/sitemap.js';
import { VoyageEmbedder } from '../../src/knowledge/voyage.js';
import { KnowledgeStore } from '../../src/stores/knowledge.js';
import { FakeVoyage } from '../fakes/voyage-server.js';
import { clearPrefix } from '../helpers/harness.js';

const redis = new Redis(process.env.REDIS_URL!);
const log = createLogger('error');
const prefixes: string[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});
afterAll(async () => {
  for (const p of prefixes) await clearPrefix(p);
  redis.disconnect();
});

function store() {
  const prefix = `luna-test-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  return new KnowledgeStore(redis, prefix);
}

async function folderCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'luna-knowledge-'));
  await cp('test/fixtures/knowledge/corpus', dir, { recursive: true });
  closers.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function indexer(s: KnowledgeStore, dir: string) {
  const config = KnowledgeSchema.parse({ sources: [{ path: './kb', url: 'https://help.tallyboard.example' }] });
  const i = new KnowledgeIndexer({ store: s, config, baseDir: path.dirname(dir), log, settleMs: 50, leaseMs: 3_000 });
  closers.push(() => i.close());
  return i;
}

/** Polls until `check` holds (file events arrive asynchronously), failing after `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const internal = { place: { kind: 'internal' as const } };

describe('knowledge indexer: a folder of files', () => {
  it('indexes the folder with links, follows added, changed and deleted files, and skips unchanged files after a restart', async () => {
    const root = await folderCopy();
    const dir = path.join(path.dirname(root), 'kb');
    await rm(dir, { recursive: true, force: true });
    await cp(root, dir, { recursive: true });
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const s = store();
    const reader = new Retriever({ store: s, log });

    const first = indexer(s, dir);
    await first.start();
    expect(first.holdsLease).toBe(true);
    const [hit] = await reader.retrieve('What is the row limit per export file?', internal);
    expect(hit?.chunk.title).toBe('Export limits');
    expect(hit?.chunk.url).toBe('https://help.tallyboard.example/exports/limits'); // frontmatter url
    const [refund] = await reader.retrieve('refund annual plan cancelled', internal);
    expect(refund?.chunk.url).toBe('https://help.tallyboard.example/billing/refunds'); // base + path

    // Hidden folders are never read.
    await mkdir(path.join(dir, '.git'), { recursive: true });
    await writeFile(path.join(dir, '.git', 'notes.md'), '# Gitnote\n\nQuetzal internal note.\n');

    // A file added while LUNA runs.
    await writeFile(
      path.join(dir, 'exports', 'gzip.md'),
      '# Compressed exports\n\nExports larger than 100 MB are gzip-compressed before download.\n',
    );
    await eventually(
      async () => (await reader.retrieve('gzip compressed exports', internal))[0]?.chunk.title === 'Compressed exports',
    );
    expect(await reader.retrieve('quetzal', internal)).toEqual([]);

    // Changed.
    await writeFile(
      path.join(dir, 'exports', 'gzip.md'),
      '# Compressed exports\n\nExports larger than 250 MB are zstd-compressed before download.\n',
    );
    await eventually(
      async () =>
        (await reader.retrieve('zstd compressed exports', internal))[0]?.chunk.text.includes('250 MB') ?? false,
    );

    // Deleted: it leaves the index.
    await unlink(path.join(dir, 'exports', 'gzip.md'));
    await eventually(async () =>
      (await reader.retrieve('zstd compressed', internal)).every((h) => h.chunk.title !== 'Compressed exports'),
    );

    // A restart reads nothing that did not change, and removes what was deleted while it was down.
    const before = await s.docRecords();
    await first.close();
    await unlink(path.join(dir, 'notes', 'timezone.txt'));
    const second = indexer(s, dir);
    await second.start();
    const after = await s.docRecords();
    expect(after.size).toBe(before.size - 1);
    for (const [id, r] of after) expect(r.indexedAt).toBe(before.get(id)!.indexedAt);
    const titles = (await reader.retrieve('workspace time zone charts regroup', { ...internal, limit: 10 })).map(
      (h) => h.chunk.title,
    );
    expect(titles).not.toContain('Changing the workspace time zone');
  });

  it('a second process does not index while the first holds the lease', async () => {
    const dir = await folderCopy();
    const s = store();
    const config = KnowledgeSchema.parse({ sources: [{ path: dir }] });
    const a = new KnowledgeIndexer({ store: s, config, baseDir: '/', log, settleMs: 50, leaseMs: 3_000 });
    const b = new KnowledgeIndexer({ store: s, config, baseDir: '/', log, settleMs: 50, leaseMs: 3_000 });
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    await a.start();
    await b.start();
    expect([a.holdsLease, b.holdsLease]).toEqual([true, false]);
  });

  it('a resolved request becomes knowledge for its account', async () => {
    const s = store();
    const i = new KnowledgeIndexer({ store: s, config: KnowledgeSchema.parse({}), baseDir: '/', log });
    closers.push(() => i.close());
    await i.putResolvedRequest({
      requestId: 'R1',
      accountId: 't-T0ACME',
      accountName: 'Acme',
      question: 'Can the nightly Snowflake sync start at 02:00 instead?',
      answer: 'Yes: set the sync window under the connector’s schedule tab.',
      url: 'https://acme.slack.com/archives/C0ACME/p1700000000000100',
    });
    const reader = new Retriever({ store: s, log });
    const [hit] = await reader.retrieve('snowflake sync window', { place: { kind: 'customer', account: 't-T0ACME' } });
    expect(hit?.chunk).toMatchObject({
      title: 'Acme: Can the nightly Snowflake sync start at 02:00 instead?',
      account: 't-T0ACME',
      origin: 'requests',
    });
    expect(
      await reader.retrieve('snowflake sync window', { place: { kind: 'customer', account: 't-T0OTHER' } }),
    ).toEqual([]);

    await i.removeResolvedRequest('R1'); // reopened
    expect(await reader.retrieve('snowflake sync window', internal)).toEqual([]);
  });

  it('a folder missing at start (a volume not mounted yet) leaves its documents in the index', async () => {
    const dir = await folderCopy();
    const s = store();
    const config = KnowledgeSchema.parse({ sources: [{ path: dir }] });
    const first = new KnowledgeIndexer({ store: s, config, baseDir: '/', log, settleMs: 50 });
    await first.start();
    await first.close();
    const indexed = (await s.docRecords()).size;
    await rename(dir, `${dir}-away`);
    closers.push(() => rm(`${dir}-away`, { recursive: true, force: true }));
    const second = new KnowledgeIndexer({ store: s, config, baseDir: '/', log, settleMs: 50 });
    closers.push(() => second.close());
    await second.start();
    expect(second.holdsLease).toBe(true);
    expect((await s.docRecords()).size).toBe(indexed);
  });
});

describe('knowledge indexer: a sitemap', () => {
  it('fetches the listed pages, asks again with their validators, and drops pages no longer listed', async () => {
    let pages: Record<string, string> = {
      '/help/sso':
        '<html><body><nav>Menu</nav><h1>Single sign-on</h1><p>Okta and Entra are supported for SAML.</p><footer>©</footer></body></html>',
      '/help/quota': '<html><body><h1>Storage quota</h1><p>Business plans hold 250 GB.</p></body></html>',
    };
    const hits: { path: string; status: number }[] = [];
    const server: Server = createServer((req, res) => {
      const url = req.url ?? '/';
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (url === '/sitemap_index.xml') {
        res
          .writeHead(200, { 'content-type': 'application/xml' })
          .end(
            `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${base}/sitemap-help.xml</loc></sitemap></sitemapindex>`,
          );
        return;
      }
      if (url === '/sitemap-help.xml') {
        const urls = Object.keys(pages)
          .map((p) => `<url><loc>${base}${p}</loc><lastmod>2026-12-01</lastmod></url>`)
          .join('');
        res
          .writeHead(200, { 'content-type': 'application/xml' })
          .end(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>`);
        return;
      }
      const body = pages[url];
      if (!body) return void res.writeHead(404).end();
      const etag = `"${Buffer.from(body).length}"`;
      const status = req.headers['if-none-match'] === etag ? 304 : 200;
      hits.push({ path: url, status });
      res.writeHead(status, { 'content-type': 'text/html', etag }).end(status === 200 ? body : undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(r)));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const s = store();
    const source = new SitemapSource(
      { store: s, log },
      { sitemap: `${base}/sitemap_index.xml`, origin: `sitemap:${base}/sitemap_index.xml`, concurrency: 2 },
    );
    const reader = new Retriever({ store: s, log });

    expect(await source.refresh()).toEqual({ listed: 2, indexed: 2, failed: 0, removed: 0 });
    const [sso] = await reader.retrieve('SAML Okta', internal);
    expect(sso?.chunk).toMatchObject({ title: 'Single sign-on', url: `${base}/help/sso` });
    expect(sso?.chunk.text).not.toContain('Menu');

    hits.length = 0;
    expect(await source.refresh()).toMatchObject({ indexed: 0 });
    expect(hits.every((h) => h.status === 304)).toBe(true);

    pages = { '/help/sso': pages['/help/sso']! };
    expect(await source.refresh()).toMatchObject({ listed: 1, removed: 1 });
    expect(await reader.retrieve('storage quota', internal)).toEqual([]);

    // A sitemap that suddenly lists nothing (a broken deploy) does not empty the index.
    pages = {};
    expect(await source.refresh()).toMatchObject({ listed: 0, removed: 0 });
    expect(await reader.retrieve('SAML Okta', internal)).toHaveLength(1);
  });
});

describe('knowledge: hybrid search with embeddings', () => {
  it('embeds documents and questions with their input types, and fuses both rankings', async () => {
    const voyage = await FakeVoyage.start();
    closers.push(() => voyage.close());
    const embedder = new VoyageEmbedder({ apiKey: 'pa-test', baseUrl: voyage.url });
    const s = store();
    const dir = await folderCopy();
    const i = new KnowledgeIndexer({
      store: s,
      config: KnowledgeSchema.parse({ sources: [{ path: dir }] }),
      baseDir: '/',
      embedder,
      log,
      settleMs: 50,
    });
    closers.push(() => i.close());
    await i.start();
    expect(voyage.requests.length).toBeGreaterThan(0);
    expect(
      voyage.requests.every((r) => r.input_type === 'document' && r.headers.authorization === 'Bearer pa-test'),
    ).toBe(true);

    const reader = new Retriever({ store: s, embedder, log });
    const [hit] = await reader.retrieve('Which IP addresses should our firewall allow?', internal);
    expect(hit?.chunk.title).toBe('IP addresses to allow');
    expect(voyage.requests.at(-1)).toMatchObject({
      input_type: 'query',
      input: ['Which IP addresses should our firewall allow?'],
    });

    // The embeddings service failing leaves keyword search working.
    voyage.failNext = [500];
    const [still] = await reader.retrieve('Which IP addresses should our firewall allow?', internal);
    expect(still?.chunk.title).toBe('IP addresses to allow');
  });

  it('the fake Voyage refuses what the real one refuses', async () => {
    const voyage = await FakeVoyage.start();
    closers.push(() => voyage.close());
    const post = (body: unknown, key = 'pa-test') =>
      fetch(`${voyage.url}/embeddings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ input: ['x'], model: 'voyage-3.5' }, '')).status).toBe(401);
    expect((await post({ input: [], model: 'voyage-3.5' })).status).toBe(400);
    expect((await post({ input: ['x'], model: 'voyage-3.5', input_type: 'passage' })).status).toBe(400);
    expect((await post({ input: ['x'], model: 'voyage-3.5', output_dimension: 300 })).status).toBe(400);
    const ok = (await (await post({ input: ['x'], model: 'voyage-3.5', output_dimension: 256 })).json()) as {
      data: { embedding: number[] }[];
    };
    expect(ok.data[0]?.embedding).toHaveLength(256);
    await expect(
      new VoyageEmbedder({ apiKey: 'pa-test', baseUrl: voyage.url }).embed(['x'], 'query'),
    ).resolves.toHaveLength(1);
    voyage.failNext = [429];
    await expect(
      new VoyageEmbedder({ apiKey: 'pa-test', baseUrl: voyage.url }).embed(['x'], 'query'),
    ).rejects.toMatchObject({
      code: 'luna_embeddings_failed',
      retriable: true,
      retryAfterMs: 1000,
    });
  });
});
