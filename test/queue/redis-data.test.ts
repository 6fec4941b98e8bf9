import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { digestSchedulerId, jobId } from '../../src/contracts/jobs.js';
import { createLogger } from '../../src/infra/log.js';
import { EscalationStore } from '../../src/stores/escalations.js';
import { startHarness, TEST_ESCALATION, testConfig, until } from '../helpers/harness.js';
import { onPath, startRedisServer, type RedisServer } from '../helpers/redis-server.js';

/** What LUNA says about a Redis that keeps nothing on disk, and what it puts back when Redis lost its data. */
const ownServers = onPath('redis-server');

function captured() {
  const lines: string[] = [];
  const log = createLogger('info', {}, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { log, lines };
}

async function withRedis<T>(args: string[], run: (server: RedisServer, url: string) => Promise<T>): Promise<T> {
  const server = await startRedisServer((p) => ['--port', String(p), ...args]);
  try {
    return await run(server, `redis://127.0.0.1:${server.port}`);
  } finally {
    await server.stop();
  }
}

async function readyz(port: number): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('Redis persistence at start-up', () => {
  it.skipIf(!ownServers)(
    'a Redis that keeps nothing on disk: a warning, and /readyz says so while staying ready',
    async () => {
      await withRedis(['--appendonly', 'no', '--save', ''], async (_, url) => {
        const { log, lines } = captured();
        const h = await startHarness({ env: { REDIS_URL: url }, log });
        try {
          const warning = lines.find(
            (l) =>
              l.includes('"level":"warn"') &&
              l.includes('acked mentions would be lost on a Redis restart; set appendonly yes'),
          );
          expect(warning).toBeDefined();
          const { status, body } = await readyz(h.luna.port);
          expect(status).toBe(200);
          expect(body['redis-persistence']).toMatch(/nothing on disk.*set appendonly yes/);
        } finally {
          await h.stop();
        }
      });
    },
  );

  it.skipIf(!ownServers)(
    'AOF on: no warning; where CONFIG is forbidden (managed Redis): it says it cannot check',
    async () => {
      await withRedis(['--appendonly', 'yes'], async (_, url) => {
        const { log, lines } = captured();
        const h = await startHarness({ env: { REDIS_URL: url }, log });
        try {
          expect(lines.filter((l) => /appendonly/.test(l) && l.includes('"level":"warn"'))).toEqual([]);
          expect((await readyz(h.luna.port)).body['redis-persistence']).toMatch(/^AOF on/);
        } finally {
          await h.stop();
        }
      });
      await withRedis(['--rename-command', 'CONFIG', ''], async (_, url) => {
        const { log, lines } = captured();
        const h = await startHarness({ env: { REDIS_URL: url }, log });
        try {
          expect(lines.some((l) => /persistence .* cannot be checked/.test(l))).toBe(true);
          const { status, body } = await readyz(h.luna.port);
          expect(status).toBe(200);
          expect(body['redis-persistence']).toMatch(/^cannot be checked/);
        } finally {
          await h.stop();
        }
      });
    },
  );
});

describe('Redis lost its data while LUNA runs', () => {
  const digest = { channel: 'C0FEEDBACK', schedule: '0 9 * * MON', timezone: 'Europe/Berlin', postTo: 'C0CSLEADS' };

  it.skipIf(!ownServers)(
    'after FLUSHALL the digest Job Scheduler is back within ~15 s, without a restart',
    async () => {
      await withRedis([], async (_, url) => {
        const { log, lines } = captured();
        const h = await startHarness({ env: { REDIS_URL: url }, config: testConfig({ digests: [digest] }), log });
        const admin = new Redis(url);
        try {
          const id = digestSchedulerId(digest);
          expect((await h.luna.queue.getJobSchedulers()).map((s) => s.key)).toEqual([id]);
          await admin.flushall();
          expect(await h.luna.queue.getJobSchedulers()).toEqual([]);
          const lost = Date.now();
          await until(
            async () => (await h.luna.queue.getJobSchedulers()).some((s) => s.key === id),
            'the scheduler re-created',
            15_000,
          );
          console.log(`digest Job Scheduler re-created ${((Date.now() - lost) / 1000).toFixed(1)} s after FLUSHALL`);
          expect(lines.some((l) => /lost LUNA's data/.test(l))).toBe(true);
        } finally {
          admin.disconnect();
          await h.stop();
        }
      });
    },
    30_000,
  );

  it.skipIf(!ownServers)(
    'an open escalation whose timer job was lost gets its timer back, due when it was due',
    async () => {
      await withRedis([], async (_, url) => {
        const wait = 30;
        const config = testConfig({ escalation: { ...TEST_ESCALATION, acknowledgeWithinMinutes: wait } });
        const h = await startHarness({ env: { REDIS_URL: url }, config, luna: { redisCheckIntervalMs: 300 } });
        const admin = new Redis(url);
        try {
          const escalations = new EscalationStore(admin, h.prefix);
          const createdAt = Date.now() - 10 * 60_000;
          const record = {
            id: 'C0SUPPORT-1700000000_000100-pricing',
            area: TEST_ESCALATION.owners[0]!.area,
            channel: 'C0SUPPORT',
            threadTs: '1700000000.000100',
          };
          await escalations.create(
            {
              ...record,
              escalationChannel: 'C0ESC',
              messageTs: '1700000001.000200',
              status: 'open',
              createdAt,
              owners: ['U0123ABCD'],
              request: {},
            },
            createdAt + wait * 60_000,
          );
          // What a Redis restored from an older snapshot looks like: LUNA's state is there, its marker and the jobs are not.
          const keys = (await admin.keys(`${h.prefix}:*`)).filter((k) => !k.includes(':state:esc'));
          await admin.del(...keys);
          const timer = jobId('escalation-timer', { id: record.id, stage: 'remind' });
          await until(
            async () => (await h.luna.queue.getJobState(timer)) === 'delayed',
            'the reminder timer is back',
            10_000,
          );
          const job = (await h.luna.queue.getJob(timer))!;
          expect(job.timestamp + job.delay).toBeGreaterThan(createdAt + (wait - 1) * 60_000);
          expect(job.timestamp + job.delay).toBeLessThan(createdAt + (wait + 1) * 60_000);
        } finally {
          admin.disconnect();
          await h.stop();
        }
      });
    },
  );
});
