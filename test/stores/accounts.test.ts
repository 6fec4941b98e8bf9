import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { AccountStore, type DigestMemory, type SignalMemory } from '../../src/stores/accounts.js';
import { clearPrefix } from '../helpers/harness.js';

const redis = new Redis(process.env.REDIS_URL!);
const prefix = `luna-test-${randomUUID().slice(0, 8)}`;
afterAll(async () => {
  await clearPrefix(prefix);
  redis.disconnect();
});

const digest = (id: string, at: number): DigestMemory => ({ id, at, csat: 3, themes: ['SSO setup'], risks: [] });
const signal = (batch: string, at: number): SignalMemory => ({
  at,
  kind: 'churn_risk',
  confidence: 0.8,
  channel: 'C0ACME',
  messages: ['1.1'],
  batch,
});

describe('AccountStore memory', () => {
  it('keeps each digest and each signal batch once, newest first, whatever a retried job writes again', async () => {
    const memory = new AccountStore(redis, prefix);
    await memory.rememberDigest('t-ACME', digest('d1', 1));
    await memory.rememberDigest('t-ACME', digest('d2', 2));
    await memory.rememberDigest('t-ACME', digest('d1', 1)); // the same job, retried
    expect((await memory.digests('t-ACME')).map((d) => d.id)).toEqual(['d2', 'd1']);

    await memory.rememberSignals('t-ACME', 'b1', [signal('b1', 1), signal('b1', 2)]);
    await memory.rememberSignals('t-ACME', 'b1', [signal('b1', 1), signal('b1', 2)]);
    await memory.rememberSignals('t-ACME', 'b2', []);
    expect((await memory.signals('t-ACME')).map((s) => [s.batch, s.at])).toEqual([
      ['b1', 2],
      ['b1', 1],
    ]);
  });
});
