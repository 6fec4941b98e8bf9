import { Cluster, Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../fakes/anthropic-server.js';
import { FakeSlack } from '../fakes/slack-server.js';
import { answersIn, SIGNING_SECRET, startHarness, testConfig, testEnv, UNLIMITED, until } from '../helpers/harness.js';
import { startLunaProcess } from '../helpers/luna-procs.js';
import { onPath, selfSignedCert, startRedisCluster } from '../helpers/redis-server.js';
import { eventEnvelope, signedRequest } from '../helpers/slack-sign.js';

/**
 * LUNA on a real three-master Redis Cluster through ioredis' Cluster client (REDIS_CLUSTER_NODES), BullMQ 6
 * and every store on it: mentions over the wire answered exactly once, every key in the hash tag's one slot.
 */
describe('Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  it.skipIf(!onPath('redis-server') || !onPath('redis-cli'))(
    '100 mentions on a three-master cluster: each answered once, every LUNA key in one slot',
    async () => {
      const cluster = await startRedisCluster(3);
      const prefix = `{luna-${randomUUID().slice(0, 8)}}`;
      const h = await startHarness({
        prefix,
        env: { REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodes },
        // Not about limits: one person sends all 100 (UNLIMITED).
        config: testConfig({ queue: { concurrency: 32 }, limits: UNLIMITED }),
      });
      try {
        const started = Date.now();
        // 90 threads of their own and one thread of ten, so thread order runs on the cluster too.
        const root = h.slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text: 'Renewal risk at Acme' });
        const sent = await Promise.all([
          ...Array.from({ length: 90 }, (_, i) => h.mention({ text: `<@U0LUNA> question ${i}` })),
          ...Array.from({ length: 10 }, (_, i) => h.mention({ threadTs: root, text: `<@U0LUNA> follow-up ${i}` })),
        ]);
        expect(sent.filter((r) => r.status !== 200)).toEqual([]);
        const single = sent.slice(0, 90);
        await until(
          () =>
            single.every((r) => answersIn(h.slack, 'C0SUPPORT', r.ts).length >= 1) &&
            answersIn(h.slack, 'C0SUPPORT', root).length >= 10,
          'every mention answered',
          25_000,
        );
        console.log(`cluster: 100 mentions answered in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to show up, if there were one
        expect(single.map((r) => answersIn(h.slack, 'C0SUPPORT', r.ts).length)).toEqual(single.map(() => 1));
        expect(answersIn(h.slack, 'C0SUPPORT', root)).toHaveLength(10);

        // Every key LUNA and BullMQ wrote sits in the prefix's slot, so on one master.
        const keys: string[] = [];
        for (const port of cluster.ports) {
          const node = new Redis(port, '127.0.0.1');
          keys.push(...(await node.keys(`${prefix}*`)));
          node.disconnect();
        }
        expect(keys.length).toBeGreaterThan(100);
        const admin = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0]! }]);
        const slots = new Set(await Promise.all(keys.map((k) => admin.call('CLUSTER', 'KEYSLOT', k))));
        admin.disconnect();
        expect(slots.size).toBe(1);
      } finally {
        await h.stop();
        await cluster.stop();
      }
    },
    60_000,
  );
});

describe('Redis Cluster over TLS (rediss:// entries)', () => {
  it.skipIf(!onPath('redis-server') || !onPath('redis-cli') || !onPath('openssl'))(
    'LUNA answers on a TLS-only cluster, its CA trusted through NODE_EXTRA_CA_CERTS',
    async () => {
      const certDir = mkdtempSync(path.join(tmpdir(), 'luna-tls-'));
      const tls = selfSignedCert(certDir);
      const cluster = await startRedisCluster(3, { tls });
      const [slack, anthropic] = await Promise.all([FakeSlack.start(), FakeAnthropic.start()]);
      slack.addChannel({ id: 'C0SUPPORT' });
      const nodes = cluster.ports.map((p) => `rediss://127.0.0.1:${p}`).join(',');
      const env = await testEnv({
        slack,
        anthropic,
        prefix: '{luna}',
        config: 'persona: luna\n',
        env: { REDIS_URL: '', REDIS_CLUSTER_NODES: nodes, NODE_EXTRA_CA_CERTS: tls.cert },
      });
      const luna = await startLunaProcess(env);
      try {
        const tss = ['one', 'two', 'three'].map((q) =>
          slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text: `<@U0LUNA> ${q}?` }),
        );
        for (const ts of tss) {
          const event = eventEnvelope({
            type: 'app_mention',
            user: 'U0ALICE',
            text: '<@U0LUNA> over TLS?',
            ts,
            channel: 'C0SUPPORT',
          });
          expect(
            (
              await signedRequest(`http://127.0.0.1:${luna.port}/slack/events`, event, {
                signingSecret: SIGNING_SECRET,
              })
            ).status,
          ).toBe(200);
        }
        await slack.waitFor(
          () => tss.every((ts) => answersIn(slack, 'C0SUPPORT', ts).length === 1),
          15_000,
          'answers over a TLS cluster',
        );
        expect(luna.output()).toContain('"redis":"cluster 127.0.0.1:');
      } finally {
        await luna.stop();
        await Promise.all([cluster.stop(), slack.close(), anthropic.close()]);
      }
    },
    60_000,
  );
});
