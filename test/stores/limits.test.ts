import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { LimitStore } from '../../src/stores/limits.js';
import { clearPrefix } from '../helpers/harness.js';

const redis = new Redis(process.env.REDIS_URL!);
const prefix = `luna-test-${randomUUID().slice(0, 8)}`;
afterAll(async () => {
  await clearPrefix(prefix);
  redis.disconnect();
});

const NOW = Date.UTC(2026, 10, 20, 12, 0, 30);
const limits = new LimitStore(redis, prefix);

describe('LimitStore', () => {
  it('a sliding minute: the 7th mention within any 60 s is turned away with one note; a minute after the first, one more fits', async () => {
    const per = { perMinute: 6, perDay: 200 };
    const verdicts = [];
    for (let i = 0; i < 9; i++) verdicts.push(await limits.admit(`m-${i}`, 'U0ALICE', per, NOW + i * 5_000));
    expect(verdicts.map((v) => v.verdict)).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'person_minute',
      'person_minute',
      'person_minute',
    ]);
    expect(verdicts.map((v) => v.note)).toEqual([false, false, false, false, false, false, true, false, false]);
    // A fixed window would have opened at 12:01:00 and let six more through; the sliding one lets one through per slot freed.
    expect((await limits.admit('m-9', 'U0ALICE', per, NOW + 60_001)).verdict).toBe('ok');
    expect((await limits.admit('m-10', 'U0ALICE', per, NOW + 60_002)).verdict).toBe('person_minute');
    // A retried job gets the verdict it got first and is not counted again.
    expect(await limits.admit('m-6', 'U0ALICE', per, NOW + 61_000)).toEqual({ verdict: 'person_minute', note: true });
    expect(await limits.admit('m-0', 'U0ALICE', per, NOW + 61_000)).toEqual({ verdict: 'ok', note: false });
    expect(await limits.mentionsToday('U0ALICE', NOW)).toBe(7);
    // Someone else has a minute of their own.
    expect((await limits.admit('b-0', 'U0BOB', per, NOW + 30_000)).verdict).toBe('ok');
  });

  it('a UTC day: past the day’s limit one note, and nothing more until midnight UTC', async () => {
    const per = { perMinute: 3, perDay: 3 };
    const hour = 3_600_000;
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await limits.admit(`d-${i}`, 'U0CAROL', per, NOW + i * hour));
    expect(verdicts).toEqual([
      { verdict: 'ok', note: false },
      { verdict: 'ok', note: false },
      { verdict: 'ok', note: false },
      { verdict: 'person_day', note: true },
      { verdict: 'person_day', note: false },
    ]);
    const tomorrow = Date.UTC(2026, 10, 21, 0, 0, 1);
    expect((await limits.admit('d-5', 'U0CAROL', per, tomorrow)).verdict).toBe('ok');
    expect(await limits.mentionsToday('U0CAROL', tomorrow)).toBe(1);
  });

  it('tokens per organisation and UTC day, listed most first', async () => {
    await limits.spend({ id: 'T0ACME', name: 'Acme Corp' }, 1_200, NOW);
    await limits.spend({ id: 'T0ACME', name: 'Acme Corp' }, 800, NOW);
    await limits.spend({ id: 'T0GLOBEX', name: 'Globex' }, 5_000, NOW);
    await limits.spend({ id: 'T0ACME', name: 'Acme Corp' }, 999, Date.UTC(2026, 10, 21, 1));
    expect(await limits.organisationSpent('T0ACME', NOW)).toBe(2_000);
    expect(await limits.organisationsToday(NOW)).toEqual([
      { id: 'T0GLOBEX', name: 'Globex', tokens: 5_000 },
      { id: 'T0ACME', name: 'Acme Corp', tokens: 2_000 },
    ]);
  });
});
