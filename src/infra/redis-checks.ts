import type { Logger } from './log.js';
import { masters, type RedisClient } from './redis.js';

/** What a Redis keeps across a restart, as far as CONFIG says. */
export interface Persistence {
  kind: 'aof' | 'rdb' | 'none' | 'unknown';
  /** One line for /readyz and the log. */
  detail: string;
}

const ORDER: Persistence['kind'][] = ['none', 'unknown', 'rdb', 'aof'];

/**
 * AOF (appendonly yes) keeps every acked write across a restart; RDB save points only what the last snapshot
 * had; neither, nothing. A managed Redis that forbids CONFIG cannot be checked. On a cluster the weakest
 * master decides.
 */
export async function checkPersistence(client: RedisClient): Promise<Persistence> {
  const nodes = masters(client);
  if (!nodes.length) return { kind: 'unknown', detail: 'cannot be checked: no Redis master is connected' };
  const each = await Promise.all(nodes.map((n) => persistenceOf(n)));
  return each.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind))[0]!;
}

async function persistenceOf(node: Pick<RedisClient, 'config'>): Promise<Persistence> {
  let aof: string | undefined;
  let save: string | undefined;
  try {
    aof = (await node.config('GET', 'appendonly'))[1];
    save = (await node.config('GET', 'save'))[1];
  } catch (err) {
    return {
      kind: 'unknown',
      detail: `cannot be checked: this Redis does not allow CONFIG (${(err as Error).message.split('\n')[0]}); make sure AOF (appendonly yes) is on`,
    };
  }
  if (aof === undefined)
    return { kind: 'unknown', detail: 'cannot be checked: CONFIG GET appendonly returned nothing' };
  if (aof === 'yes') return { kind: 'aof', detail: 'AOF on (appendonly yes): acked work survives a Redis restart' };
  if (save?.trim()) {
    return {
      kind: 'rdb',
      detail: `snapshots only (save "${save}"): a Redis restart loses what was acked since the last snapshot; set appendonly yes`,
    };
  }
  return {
    kind: 'none',
    detail:
      'nothing on disk (appendonly no, no save points): acked mentions would be lost on a Redis restart; set appendonly yes',
  };
}

/** Logs what a persistence check found, at the level it deserves. */
export function reportPersistence(p: Persistence, where: string, log: Logger): void {
  if (p.kind === 'none' || p.kind === 'rdb')
    log.warn(`Redis at ${where} keeps ${p.detail}`, { where, persistence: p.kind });
  else if (p.kind === 'unknown') log.info(`Redis persistence at ${where} ${p.detail}`, { where, persistence: p.kind });
}

/** BullMQ loses jobs if Redis evicts keys under memory pressure. */
export async function warnOnEvictingRedis(client: RedisClient, log: Logger): Promise<void> {
  for (const node of masters(client)) {
    try {
      const policy = (await node.config('GET', 'maxmemory-policy'))[1];
      if (policy && policy !== 'noeviction') {
        log.warn(`Redis maxmemory-policy is "${policy}"; set it to "noeviction" or queued jobs can be evicted`);
        return;
      }
    } catch {
      // Managed Redis often forbids CONFIG; nothing to check then.
    }
  }
}
