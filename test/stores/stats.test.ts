import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { lastWeeks, RETENTION_WEEKS, StatsRecorder, weekOf } from '../../src/stores/stats.js';
import { clearPrefix } from '../helpers/harness.js';

const redis = new Redis(process.env.REDIS_URL!);
const prefix = `luna-test-${randomUUID().slice(0, 8)}`;
afterAll(async () => {
  await clearPrefix(prefix);
  redis.disconnect();
});

const WEEK = 7 * 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12); // Friday of 2026-W47

describe('StatsRecorder', () => {
  it('names ISO weeks', () => {
    expect(weekOf(NOW)).toBe('2026-W47');
    expect(weekOf(Date.UTC(2027, 0, 1))).toBe('2026-W53');
    expect(lastWeeks(3, NOW)).toEqual(['2026-W45', '2026-W46', '2026-W47']);
  });

  it('counts per week, averages and takes medians over recorded values', async () => {
    const s = new StatsRecorder(redis, prefix, () => NOW);
    await s.incr('answers', 3, NOW);
    await s.incr('answers', 2, NOW - WEEK);
    await s.observe('csat', 4, NOW);
    await s.observe('csat', 5, NOW);
    await s.observe('minutes_to_acknowledge', 10, NOW);
    await s.observe('minutes_to_acknowledge', 30, NOW - WEEK);
    await s.observe('minutes_to_acknowledge', 20, NOW);
    expect((await s.weekly('answers', 3)).map((w) => w.value)).toEqual([0, 2, 3]);
    expect((await s.weeklyMean('csat', 2)).map((w) => w.value)).toEqual([null, 4.5]);
    expect(await s.median('minutes_to_acknowledge')).toBe(20);
    expect(await s.median('csat', 1)).toBe(4.5);
  });

  it('every bucket expires, so memory stays bounded', async () => {
    const s = new StatsRecorder(redis, prefix, () => NOW);
    await s.incr('digests', 1, NOW);
    await s.observe('csat', 3, NOW);
    const keys = await redis.keys(`${prefix}:state:stats:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      const ttl = await redis.ttl(k);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(RETENTION_WEEKS * 7 * 86_400);
    }
  });
});
