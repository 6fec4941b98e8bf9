// Writing a request record: one Lua script checks the record is still the one it was read as (compare-and-set),
// writes it, and moves it in and out of the indexes (open sets, period index, timer set) in the same step, so a
// reader never sees an index that disagrees with its record. Also how a stored record is parsed back.
import type { RedisClient } from '../infra/redis.js';
import { RequestRecord, TARGETS, isActive } from '../domain/requests.js';
import { nextDue, timersOf } from '../domain/request-sla.js';
import type { RequestKeys } from './keys.js';
import { retentionMs } from './request-retention.js';
import { timerMember } from './request-timers.js';

export type Saved =
  { outcome: 'saved' } | { outcome: 'exists' | 'conflict'; current: string } | { outcome: 'group'; into: string };

const SAVE = `
local cur = redis.call('GET', KEYS[1])
local mode = ARGV[1]
if mode == 'cas' then
  if cur ~= ARGV[2] then return {'conflict', cur or ''} end
else
  if cur then return {'exists', cur} end
  if mode == 'open' then
    local last = redis.call('GET', KEYS[2])
    if last and last ~= ARGV[5] then return {'group', last} end
  end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
if tonumber(ARGV[6]) > 0 then redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[6]) end
local i = 7
while i <= #ARGV do
  local op, k = ARGV[i], KEYS[tonumber(ARGV[i + 1])]
  if op == 'zadd' then
    redis.call('ZADD', k, ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  elseif op == 'zrem' then
    redis.call('ZREM', k, ARGV[i + 2])
    i = i + 3
  else
    redis.call('SET', k, ARGV[i + 2], 'PX', ARGV[i + 3])
    i = i + 4
  end
end
return {'saved', ''}`;

export function parseRecord(raw: string): RequestRecord {
  return RequestRecord.parse(JSON.parse(raw));
}

/**
 * Saves `next`: `open` (unless it exists; joins the asker's open request when their grouping window is open),
 * `open-nogroup`, or `cas` (only if the stored record is still `expected`). `previous` is the record it replaces,
 * whose index entries are taken out; `links` are message keys that point at it.
 */
export async function saveRecord(
  redis: RedisClient,
  k: RequestKeys,
  mode: 'open' | 'open-nogroup' | 'cas',
  expected: string | undefined,
  next: RequestRecord,
  groupMs: number,
  previous?: RequestRecord,
  links: Array<{ key: string; value: string }> = [],
): Promise<Saved> {
  const now = Date.now();
  const ttl = retentionMs(next, now);
  const keys = [k.record(next.id), k.lastOf(next.channel, next.askerId)];
  const at = (key: string) => {
    const i = keys.indexOf(key);
    // KEYS are 1-based in Lua; push returns the new length, the new key's position.
    return String(i < 0 ? keys.push(key) : i + 1);
  };
  const ops: string[] = [];
  if (previous) {
    for (const key of openKeys(k, previous)) ops.push('zrem', at(key), previous.id);
    for (const target of TARGETS)
      for (const kind of ['warn', 'breach'] as const)
        ops.push('zrem', at(k.timers), timerMember({ requestId: previous.id, target, kind }));
  }
  if (isActive(next)) {
    for (const key of openKeys(k, next))
      ops.push('zadd', at(key), String(key === assigneeKey(k, next) ? nextDue(next) : next.openedAt), next.id);
  }
  ops.push('zadd', at(k.opened), String(next.openedAt), next.id);
  for (const t of timersOf(next)) ops.push('zadd', at(k.timers), String(t.at), timerMember(t));
  for (const l of links) ops.push('set', at(l.key), l.value, String(ttl));
  // Only opening or joining moves the customer's grouping window.
  const window = mode === 'cas' && links.length === 0 ? 0 : groupMs;
  const reply = (await redis.eval(
    SAVE,
    keys.length,
    ...keys,
    mode,
    expected ?? '',
    JSON.stringify(next),
    String(ttl),
    next.id,
    String(window),
    ...ops,
  )) as [string, string];
  const [outcome, value] = reply;
  if (outcome === 'saved') return { outcome };
  if (outcome === 'group') return { outcome, into: value };
  return { outcome: outcome as 'exists' | 'conflict', current: value };
}

function assigneeKey(k: RequestKeys, r: RequestRecord): string | undefined {
  return r.assigneeId ? k.openForAssignee(r.assigneeId) : undefined;
}

/** The open-request sets a record belongs to while it is open. */
function openKeys(k: RequestKeys, r: RequestRecord): string[] {
  return [
    k.open,
    k.openInChannel(r.channel),
    ...(r.accountId ? [k.openForAccount(r.accountId)] : []),
    ...(r.assigneeId ? [k.openForAssignee(r.assigneeId)] : []),
  ];
}
