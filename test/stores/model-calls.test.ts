import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelCallStore } from '../../src/stores/model-calls.js';
import { clearPrefix } from '../helpers/harness.js';

const redis = new Redis(process.env.REDIS_URL!);
const prefix = `luna-test-${randomUUID().slice(0, 8)}`;
afterAll(async () => {
  await clearPrefix(prefix);
  redis.disconnect();
});

const store = new ModelCallStore(redis, prefix);
const T = Date.UTC(2026, 11, 7, 12, 0, 0);

describe('the AI-service outage every worker sees', () => {
  it('starts with a failure, rises only with failed probes, and ends once: one caller learns it ended it', async () => {
    expect(await store.noteFailure(false, T, T)).toBe(0);
    expect(await store.noteFailure(false, T + 1, T + 1)).toBe(0); // the burst that was already on its way
    expect(await store.noteFailure(true, T + 200, T + 200)).toBe(1);
    expect(await store.outage()).toEqual({ since: T, failures: 1 });
    expect(await store.endOutage(T + 1_000)).toBe(true);
    expect(await store.endOutage(T + 1_001)).toBe(false); // a second probe's success is not a second end
    expect(await store.outage()).toBeUndefined();
  });

  it('a failure of a request sent before the outage ended is old news: it starts no new outage', async () => {
    // Sent at T+900 while the outage lasted, reported after the probe ended it at T+1000 (a busy worker, a late stall).
    expect(await store.noteFailure(false, T + 900, T + 1_500)).toBe(-1);
    expect(await store.outage()).toBeUndefined();
    // Sent after the end: a new outage.
    expect(await store.noteFailure(false, T + 2_000, T + 2_000)).toBe(0);
    expect(await store.outage()).toEqual({ since: T + 2_000, failures: 0 });
  });
});
