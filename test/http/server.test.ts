import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/infra/metrics.js';
import { createHttpServer } from '../../src/http/server.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

async function serve(checks: Parameters<typeof createHttpServer>[0]['readiness']) {
  const server = createHttpServer({ metrics: new Metrics(), readiness: checks });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  close = () => new Promise((r) => server.close(() => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('health and readiness', () => {
  it('reports 503 with the failing dependency while health stays 200', async () => {
    const base = await serve([
      { name: 'redis', check: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6390')) },
      { name: 'personas', check: async () => {} },
    ]);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ redis: 'connect ECONNREFUSED 127.0.0.1:6390', personas: 'ok' });
  });

  it('a check that hangs counts as not ready instead of hanging the probe', async () => {
    const base = await serve([{ name: 'redis', check: () => new Promise(() => {}) }]);
    const started = Date.now();
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('serves Prometheus text and 404s anything else (no Slack listener in a worker)', async () => {
    const base = await serve([]);
    const m = await fetch(`${base}/metrics`);
    expect(m.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await m.text()).toContain('# TYPE luna_answers_total counter');
    expect((await fetch(`${base}/slack/events`, { method: 'POST' })).status).toBe(404);
  });
});
