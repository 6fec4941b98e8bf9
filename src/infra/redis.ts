import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { bounded } from './wait.js';

/** A connection LUNA and BullMQ use: one Redis, or a Redis Cluster (every key of LUNA's in one slot). */
export type RedisClient = Redis | Cluster;

export interface RedisNode {
  host: string;
  port: number;
}

/** Where Redis is: a URL (`redis://`, `rediss://`), or the seed nodes of a Redis Cluster. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: RedisNode[]; tls: boolean; username?: string | undefined; password?: string | undefined };

/** The default when neither REDIS_URL nor REDIS_CLUSTER_NODES is set. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** How long the ack path waits for a lost connection to come back before Slack gets its 500 (Slack allows 3 s). */
export const ACK_WAIT_MS = 2_000;

/** Where Redis is, for logs and /readyz: hosts and ports only, never a password. */
export function describeTarget(t: RedisTarget): string {
  if (t.kind === 'cluster') return `cluster ${t.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  try {
    const u = new URL(t.url);
    return `${u.hostname || '127.0.0.1'}:${u.port || '6379'}`;
  } catch {
    return 'REDIS_URL (unparsable)';
  }
}

/**
 * Reconnect every 100 ms for the first 2 s (so a blip is over as soon as Redis is back, inside the ack
 * path's wait), then once a second for as long as it takes.
 */
function reconnectDelay(times: number): number {
  return times <= 20 ? 100 : 1_000;
}

/**
 * `producer`: the ack path and every store. Commands fail fast while Redis is away (the enqueue waits for
 * the connection itself, at most ACK_WAIT_MS); `worker`: BullMQ workers, which wait for Redis as long as it
 * takes (BullMQ requires `maxRetriesPerRequest: null` for them). `rediss://` URLs and `rediss://` cluster
 * nodes get TLS (a private CA through NODE_EXTRA_CA_CERTS).
 *
 * No 'error' listener is attached here: the caller attaches LUNA's rate-limited one (RedisWatch), so an
 * outage is a log line every 10 s, not a stack per reconnect attempt.
 */
export function connectRedis(target: RedisTarget, purpose: 'producer' | 'worker'): RedisClient {
  const perPurpose: RedisOptions =
    purpose === 'producer'
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true };
  const common: RedisOptions = {
    connectTimeout: 5_000,
    connectionName: `luna-${purpose}`,
    retryStrategy: reconnectDelay,
  };
  if (target.kind === 'single') return new Redis(target.url, { ...common, ...perPurpose, lazyConnect: false });

  const { enableOfflineQueue, ...perNode } = perPurpose;
  const options: ClusterOptions = {
    enableOfflineQueue: enableOfflineQueue ?? true,
    clusterRetryStrategy: reconnectDelay,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    redisOptions: {
      ...common,
      ...perNode,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
    // With TLS, keep the node's name as given so the certificate is checked against it (not a resolved IP).
    ...(target.tls
      ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) }
      : {}),
  };
  return new Cluster(
    target.nodes.map((n) => ({ host: n.host, port: n.port })),
    options,
  );
}

/**
 * Errors that say "Redis is not there right now" (refused, reset, timed out, closed, a cluster without
 * slots, a replica being promoted), as opposed to Redis answering with an error about the command. For
 * errors known to come from a Redis call: a bare ECONNREFUSED could be anyone's.
 */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === 'luna_redis_unavailable') return true;
  if (
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNABORTED)$/.test(code)
  )
    return true;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return (
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN/.test(message) ||
    isRedisConnectionLoss(err)
  );
}

/** The ioredis and BullMQ ways of saying the connection is gone, which nothing else says: safe to match on any error. */
export function isRedisConnectionLoss(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown } | undefined;
  const text = `${typeof e?.name === 'string' ? e.name : ''} ${typeof e?.message === 'string' ? e.message : String(err)}`;
  return /Connection is closed|Stream isn't writeable|enableOfflineQueue|max retries per request limit|MaxRetriesPerRequestError|Failed to refresh slots cache|None of startup nodes|ClusterAllFailedError|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|LOADING Redis|READONLY You can't write|cluster reconnect timed out/.test(
    text,
  );
}

/** One 'ready' listener per connection however many callers wait for it (an outage can hold hundreds of acks). */
const nextReady = new WeakMap<RedisClient, Promise<void>>();

function readyEvent(client: RedisClient): Promise<void> {
  let next = nextReady.get(client);
  if (!next) {
    next = new Promise<void>((resolve) =>
      client.once('ready', () => {
        nextReady.delete(client);
        resolve();
      }),
    );
    nextReady.set(client, next);
  }
  return next;
}

/** Resolves true once the connection is ready (at once if it is), false if `ms` pass first. */
export function whenReady(client: RedisClient, ms: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  const ready = readyEvent(client).then(() => true);
  return bounded(ready, ms, false);
}

/** Closes a connection whatever its state: QUIT when connected (bounded), otherwise just stop reconnecting. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === 'ready') {
    const quit = client.quit().then(() => true);
    if (await bounded(quit, 1_000, false)) return;
  }
  client.disconnect();
}

/** The masters whose settings matter (the one Redis, or every master of a cluster). */
export function masters(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}
