import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ChunkSchema, type Chunk } from '../domain/knowledge.js';
import type { RedisClient } from '../infra/redis.js';
import { knowledgeKeys, type KnowledgeKeys } from './keys.js';

// Longer than 250 lines because its Lua scripts (a document replaced or removed in one step) sit beside the reads
// that depend on their key layout.

/**
 * The knowledge index in Redis, shared by every process: chunks (JSON) and their embeddings (float32 bytes) by
 * chunk id, one record per document naming its chunks, and a version. Replacing or removing a document is one
 * script — old chunks out, new ones in, the version raised and the change logged — so a reader never sees half a
 * document. Readers catch up from the log (only the documents that changed since their version); one that fell
 * further behind than the log reaches reads everything again.
 *
 * Only the process holding the indexer lease reads sources (a restart finds each document's fingerprint here and
 * skips what did not change); any process may put a single document (a resolved request) at any time.
 */

/** Changes kept in the log; a process further behind reloads the whole index (seconds at 10,000 chunks). */
export const LOG_LENGTH = 5_000;

export const DocRecordSchema = z.object({
  origin: z.string(),
  title: z.string(),
  url: z.string().optional(),
  chunkIds: z.array(z.string()),
  /** What the source looked like when read (file size and mtime, an ETag, a content hash): unchanged → not read again. */
  fingerprint: z.string(),
  indexedAt: z.number(),
});
export type DocRecord = z.infer<typeof DocRecordSchema>;

const REPLACE = `
local old = redis.call('HGET', KEYS[3], ARGV[1])
if old then
  local ids = cjson.decode(old)['chunkIds']
  for i = 1, #ids do
    redis.call('HDEL', KEYS[1], ids[i])
    redis.call('HDEL', KEYS[2], ids[i])
  end
end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[3], ARGV[1])
else
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
end
local n = tonumber(ARGV[3])
local at = 4
for i = 1, n do
  redis.call('HSET', KEYS[1], ARGV[at], ARGV[at + 1])
  at = at + 2
end
local m = tonumber(ARGV[at])
at = at + 1
for i = 1, m do
  redis.call('HSET', KEYS[2], ARGV[at], ARGV[at + 1])
  at = at + 2
end
local v = redis.call('INCR', KEYS[4])
redis.call('ZADD', KEYS[5], v, v .. '|' .. ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -(tonumber(ARGV[#ARGV]) + 1))
return v
`;

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Questions without a source are kept this long: App Home shows the last week's. */
export const GAP_RETENTION_DAYS = 8;

export const KnowledgeGapSchema = z.object({
  question: z.string(),
  channel: z.string(),
  /** Epoch ms. */
  at: z.number(),
});
export type KnowledgeGap = z.infer<typeof KnowledgeGapSchema>;

/** What a reader holds after loading: every chunk and vector, at a version. */
export interface Snapshot {
  version: number;
  chunks: Chunk[];
  vectors: Map<string, Float32Array>;
}

/** What changed after a version: the documents replaced or removed, and the chunks they have now. */
export interface Changes {
  version: number;
  changedDocs: string[];
  chunks: Chunk[];
  vectors: Map<string, Float32Array>;
}

export class KnowledgeStore {
  readonly keys: KnowledgeKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = knowledgeKeys(prefix);
  }

  async version(): Promise<number> {
    return Number((await this.redis.get(this.keys.version)) ?? 0);
  }

  async docRecord(docId: string): Promise<DocRecord | undefined> {
    const raw = await this.redis.hget(this.keys.docs, docId);
    return raw ? DocRecordSchema.parse(JSON.parse(raw)) : undefined;
  }

  /** Every document's record (the indexer compares fingerprints with it; metrics count chunks per source from it). */
  async docRecords(): Promise<Map<string, DocRecord>> {
    const all = await this.redis.hgetall(this.keys.docs);
    return new Map(Object.entries(all).map(([id, raw]) => [id, DocRecordSchema.parse(JSON.parse(raw))]));
  }

  async chunksPerOrigin(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const s of await this.summary()) counts[s.origin] = s.chunks;
    return counts;
  }

  /** What is indexed, per source: documents, passages and when the last one was (re)indexed (App Home). */
  async summary(): Promise<{ origin: string; documents: number; chunks: number; lastIndexedAt: number }[]> {
    const by = new Map<string, { origin: string; documents: number; chunks: number; lastIndexedAt: number }>();
    for (const r of (await this.docRecords()).values()) {
      const s = by.get(r.origin) ?? { origin: r.origin, documents: 0, chunks: 0, lastIndexedAt: 0 };
      s.documents++;
      s.chunks += r.chunkIds.length;
      s.lastIndexedAt = Math.max(s.lastIndexedAt, r.indexedAt);
      by.set(r.origin, s);
    }
    return [...by.values()].sort((a, b) => a.origin.localeCompare(b.origin));
  }

  /** Notes a question LUNA could not ground (its answer cited nothing); kept GAP_RETENTION_DAYS. */
  async recordGap(gap: KnowledgeGap): Promise<void> {
    const member = JSON.stringify({ ...gap, question: gap.question.slice(0, 500) });
    await this.redis
      .multi()
      .zadd(this.keys.gaps, gap.at, member)
      .zremrangebyscore(this.keys.gaps, '-inf', gap.at - GAP_RETENTION_DAYS * 86_400_000)
      .exec();
  }

  /** Questions not grounded since `since`, newest first. */
  async gapsSince(since: number, limit = 50): Promise<KnowledgeGap[]> {
    const raw = await this.redis.zrevrangebyscore(this.keys.gaps, '+inf', since, 'LIMIT', 0, limit);
    return raw.flatMap((m) => {
      const parsed = KnowledgeGapSchema.safeParse(JSON.parse(m));
      return parsed.success ? [parsed.data] : [];
    });
  }

  /** Replaces a document's chunks (and embeddings, when given) at once; returns the new version. */
  async putDocument(
    docId: string,
    record: Omit<DocRecord, 'chunkIds'>,
    chunks: readonly Chunk[],
    vectors?: ReadonlyMap<string, Float32Array>,
  ): Promise<number> {
    const meta: DocRecord = { ...record, chunkIds: chunks.map((c) => c.id) };
    const chunkArgs = chunks.flatMap((c) => [c.id, JSON.stringify(c)]);
    const vectorArgs: (string | Buffer)[] = [];
    for (const [id, v] of vectors ?? []) vectorArgs.push(id, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    return this.replace(docId, JSON.stringify(meta), chunkArgs, vectorArgs);
  }

  async removeDocument(docId: string): Promise<number | undefined> {
    if (!(await this.redis.hexists(this.keys.docs, docId))) return undefined;
    return this.replace(docId, '', [], []);
  }

  private async replace(
    docId: string,
    meta: string,
    chunkArgs: string[],
    vectorArgs: (string | Buffer)[],
  ): Promise<number> {
    const k = this.keys;
    const args = [
      docId,
      meta,
      String(chunkArgs.length / 2),
      ...chunkArgs,
      String(vectorArgs.length / 2),
      ...vectorArgs,
      String(LOG_LENGTH),
    ];
    return Number(await this.redis.eval(REPLACE, 5, k.chunks, k.vectors, k.docs, k.version, k.log, ...args));
  }

  /** The whole index, consistent at one version. */
  async load(): Promise<Snapshot> {
    const res = await this.redis
      .multi()
      .get(this.keys.version)
      .hgetall(this.keys.chunks)
      .hgetallBuffer(this.keys.vectors)
      .exec();
    const [version, chunks, vectors] = (res ?? []).map(([err, value]) => {
      if (err) throw err;
      return value;
    }) as [string | null, Record<string, string>, Record<string, Buffer>];
    return {
      version: Number(version ?? 0),
      chunks: Object.values(chunks ?? {}).map((raw) => ChunkSchema.parse(JSON.parse(raw))),
      vectors: new Map(Object.entries(vectors ?? {}).map(([id, b]) => [id, toVector(b)])),
    };
  }

  /** What changed after `since`, or undefined when the log no longer reaches back that far (load everything). */
  async changesSince(since: number): Promise<Changes | undefined> {
    const res = await this.redis
      .multi()
      .get(this.keys.version)
      .zrange(this.keys.log, '0', '0', 'WITHSCORES')
      .zrangebyscore(this.keys.log, `(${since}`, '+inf')
      .exec();
    const [version, oldest, entries] = (res ?? []).map(([err, value]) => {
      if (err) throw err;
      return value;
    }) as [string | null, string[], string[]];
    const now = Number(version ?? 0);
    if (now === since) return { version: now, changedDocs: [], chunks: [], vectors: new Map() };
    if (now < since || oldest.length < 2 || Number(oldest[1]) > since + 1) return undefined;
    const docIds = [...new Set(entries.map((e) => e.slice(e.indexOf('|') + 1)))];
    const records = docIds.length ? await this.redis.hmget(this.keys.docs, ...docIds) : [];
    const chunkIds = records.flatMap((raw) => (raw ? DocRecordSchema.parse(JSON.parse(raw)).chunkIds : []));
    const [chunks, vectors] = chunkIds.length
      ? await Promise.all([
          this.redis.hmget(this.keys.chunks, ...chunkIds),
          this.redis.hmgetBuffer(this.keys.vectors, ...chunkIds),
        ])
      : [[], []];
    const present = chunks.flatMap((raw) => (raw ? [ChunkSchema.parse(JSON.parse(raw))] : []));
    const vectorMap = new Map<string, Float32Array>();
    vectors.forEach((b, i) => b && vectorMap.set(chunkIds[i]!, toVector(b)));
    return { version: now, changedDocs: docIds, chunks: present, vectors: vectorMap };
  }

  /** Takes the indexer lease for `ttlMs` if nobody holds it; returns the token to renew and release it with. */
  async acquireLease(ttlMs: number, token = randomUUID()): Promise<string | undefined> {
    return (await this.redis.set(this.keys.lease, token, 'PX', ttlMs, 'NX')) === 'OK' ? token : undefined;
  }

  async renewLease(token: string, ttlMs: number): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, this.keys.lease, token, String(ttlMs))) === 1;
  }

  async releaseLease(token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.keys.lease, token);
  }

  async lastRefreshed(origin: string): Promise<number | undefined> {
    const v = await this.redis.hget(this.keys.refreshed, origin);
    return v ? Number(v) : undefined;
  }

  async markRefreshed(origin: string, at: number): Promise<void> {
    await this.redis.hset(this.keys.refreshed, origin, String(at));
  }
}

function toVector(b: Buffer): Float32Array {
  // Copy: a Buffer's memory may be a slice of a pool, not aligned for a Float32Array view.
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}
