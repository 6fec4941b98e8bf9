import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { EscalationStore } from '../../src/stores/escalations.js';
import { clearPrefix } from '../helpers/harness.js';

const redis = new Redis(process.env.REDIS_URL!);
const prefix = `luna-test-${randomUUID().slice(0, 8)}`;
afterAll(async () => {
  await clearPrefix(prefix);
  redis.disconnect();
});

const DAY = 86_400_000;
const record = (id: string, createdAt: number) => ({
  id,
  area: 'Complex customer negotiations',
  channel: 'C0SUPPORT',
  threadTs: '1700000000.000100',
  escalationChannel: 'C0ESC',
  status: 'open' as const,
  createdAt,
  owners: ['U0456EFGH'],
  request: {},
});

describe('EscalationStore', () => {
  it('counts open and overdue escalations, and a handled one leaves the count exactly once', async () => {
    const s = new EscalationStore(redis, prefix);
    const now = Date.now();
    await s.create(record('a', now - 2 * 3600_000), now - 3600_000); // deadline passed
    await s.create(record('b', now), now + 1800_000);
    expect(await s.counts(now)).toEqual({ open: 2, overdue: 1 });
    expect(await s.handle('a', 'acknowledged', 'U0456EFGH', now)).toBe(true);
    expect(await s.handle('a', 'acknowledged', 'U0OTHER', now + 1)).toBe(false);
    expect(await s.handle('a', 'taken', 'U0456EFGH', now + 2)).toBe(true); // taking over after an ack is allowed
    expect(await s.counts(now)).toEqual({ open: 1, overdue: 0 });
    expect((await s.get('a'))?.handledBy).toBe('U0456EFGH');
  });

  it('stops counting an escalation nobody handled once its record has expired', async () => {
    const s = new EscalationStore(redis, `${prefix}-old`);
    const now = Date.now();
    await s.create(record('ancient', now - 100 * DAY), now - 100 * DAY + 1800_000);
    expect(await s.counts(now)).toEqual({ open: 0, overdue: 0 });
    await clearPrefix(`${prefix}-old`);
  });
});
