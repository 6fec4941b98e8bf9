import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/log.js';
import { QUEUE_NAME } from '../../src/contracts/jobs.js';
import { connectRedis } from '../../src/infra/redis.js';
import { FakeAnthropic } from '../fakes/anthropic-server.js';
import { FakeSlack } from '../fakes/slack-server.js';
import { answersIn, SIGNING_SECRET, startHarness, testEnv } from '../helpers/harness.js';
import { startLunaProcess } from '../helpers/luna-procs.js';
import { onPath, selfSignedCert, startRedisServer } from '../helpers/redis-server.js';
import { eventEnvelope, signedRequest } from '../helpers/slack-sign.js';

/** What production Redis asks of LUNA: TLS, Redis Cluster, and a memory policy that never evicts jobs. */
const ownServers = onPath('redis-server');

describe('maxmemory-policy', () => {
  it('start-up warns when Redis may evict keys', async () => {
    const admin = new Redis(process.env.REDIS_URL!);
    const [, before] = (await admin.config('GET', 'maxmemory-policy')) as [string, string];
    const warnings: string[] = [];
    const log = createLogger('warn', {}, { out: () => {}, err: (l) => warnings.push(l) });
    try {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const h = await startHarness({ log });
      await h.stop();
    } finally {
      await admin.config('SET', 'maxmemory-policy', before);
      admin.disconnect();
    }
    expect(warnings.some((l) => /maxmemory-policy is \\?"allkeys-lru\\?".*noeviction/.test(l))).toBe(true);
  });
});

describe('rediss://', () => {
  it('turns TLS on for rediss URLs', () => {
    const tls = connectRedis({ kind: 'single', url: 'rediss://127.0.0.1:1' }, 'producer') as Redis;
    const plain = connectRedis({ kind: 'single', url: 'redis://127.0.0.1:1' }, 'producer') as Redis;
    tls.on('error', () => {});
    plain.on('error', () => {});
    try {
      expect(tls.options.tls).toBeTruthy();
      expect(plain.options.tls).toBeFalsy();
    } finally {
      tls.disconnect();
      plain.disconnect();
    }
  });

  it.skipIf(!ownServers || !onPath('openssl'))(
    'runs end to end against a TLS-only Redis',
    async () => {
      const server = await startRedisServer((port, dir) => {
        const { cert, key } = selfSignedCert(dir);
        return [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--tls-cert-file',
          cert,
          '--tls-key-file',
          key,
          '--tls-ca-cert-file',
          cert,
          '--tls-auth-clients',
          'no',
        ];
      });
      const [slack, anthropic] = await Promise.all([FakeSlack.start(), FakeAnthropic.start()]);
      slack.addChannel({ id: 'C0SUPPORT' });
      const env = await testEnv({ slack, anthropic, prefix: 'luna', config: 'persona: luna\n', env: {} });
      // A private CA, trusted the way an operator would: NODE_EXTRA_CA_CERTS.
      const luna = await startLunaProcess({
        ...env,
        REDIS_URL: `rediss://localhost:${server.port}`,
        NODE_EXTRA_CA_CERTS: path.join(server.dir, 'cert.pem'),
      });
      try {
        const ts = slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text: '<@U0LUNA> over TLS?' });
        const event = eventEnvelope({
          type: 'app_mention',
          user: 'U0ALICE',
          text: '<@U0LUNA> over TLS?',
          ts,
          channel: 'C0SUPPORT',
        });
        const res = await signedRequest(`http://127.0.0.1:${luna.port}/slack/events`, event, {
          signingSecret: SIGNING_SECRET,
        });
        expect(res.status).toBe(200);
        await slack.waitFor(() => answersIn(slack, 'C0SUPPORT', ts).length === 1, 20_000, 'answer over TLS');
      } finally {
        await luna.stop();
        await Promise.all([server.stop(), slack.close(), anthropic.close()]);
      }
    },
    45_000,
  );
});

describe('Redis Cluster', () => {
  it.skipIf(!ownServers)(
    'with a hash-tag prefix every key LUNA and BullMQ write is in one slot',
    async () => {
      const server = await startRedisServer((port, dir) => [
        '--port',
        String(port),
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        path.join(dir, 'nodes.conf'),
      ]);
      const url = `redis://127.0.0.1:${server.port}`;
      const admin = new Redis(url);
      try {
        // A one-node cluster owning every slot: it refuses any command or script whose keys span slots.
        await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
        for (let i = 0; !/cluster_state:ok/.test(String(await admin.call('CLUSTER', 'INFO'))); i++) {
          if (i > 200) throw new Error('cluster did not come up');
          await new Promise((r) => setTimeout(r, 25));
        }
        // Without a hash tag BullMQ's scripts span slots, so the cluster refuses them.
        const plain = new Queue(QUEUE_NAME, {
          connection: new Redis(url, { maxRetriesPerRequest: null }),
          prefix: 'luna',
        });
        await expect(plain.add('answer', {}, { jobId: 'x' })).rejects.toThrow(/CROSSSLOT/);
        await plain.close();
        await admin.flushall(); // what the refused queue left behind

        const prefix = `{luna-${randomUUID().slice(0, 8)}}`;
        const h = await startHarness({ prefix, env: { REDIS_URL: url } });
        try {
          const root = h.slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text: 'Renewal risk at Acme' });
          await h.mention({ threadTs: root, text: '<@U0LUNA> first?' });
          await h.mention({ threadTs: root, text: '<@U0LUNA> second?' });
          await h.slack.waitFor(() => answersIn(h.slack, 'C0SUPPORT', root).length === 2, 20_000, 'two answers');
        } finally {
          await h.stop();
        }
        const keys = await admin.keys('*');
        expect(keys.length).toBeGreaterThan(5);
        const slots = new Set(await Promise.all(keys.map((k) => admin.call('CLUSTER', 'KEYSLOT', k))));
        expect([...slots]).toHaveLength(1);
      } finally {
        admin.disconnect();
        await server.stop();
      }
    },
    45_000,
  );
});
