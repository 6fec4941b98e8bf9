import { createServer, type RequestListener, type Server } from 'node:http';
import type { Metrics } from '../infra/metrics.js';
import { withTimeout } from '../infra/wait.js';

export interface ReadinessCheck {
  name: string;
  /** Resolves when ready — with a note to show instead of "ok", for things worth knowing that do not make it unready — or rejects saying why not. */
  check: () => Promise<void | string>;
}

/**
 * LUNA's one HTTP server, in every role and mode: health, readiness and metrics, plus Bolt's
 * /slack/events listener when this process receives Slack over HTTP.
 */
export function createHttpServer(opts: {
  metrics: Metrics;
  readiness: ReadinessCheck[];
  slack?: RequestListener;
}): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (req.method === 'GET' && path === '/readyz') {
      void readiness(opts.readiness).then(({ ok, results }) => {
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(results) + '\n');
      });
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      opts.metrics.text().then(
        (body) => res.writeHead(200, { 'content-type': opts.metrics.registry.contentType }).end(body),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
      );
      return;
    }
    if (opts.slack && path === '/slack/events') {
      opts.slack(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
}

async function readiness(checks: ReadinessCheck[]) {
  const results: Record<string, string> = {};
  let ok = true;
  await Promise.all(
    checks.map(async (c) => {
      try {
        const note = await withTimeout(c.check(), 2_000);
        results[c.name] = typeof note === 'string' ? note : 'ok';
      } catch (err) {
        ok = false;
        results[c.name] = (err as Error).message;
      }
    }),
  );
  return { ok, results };
}
