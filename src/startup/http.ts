import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpServer, type ReadinessCheck } from '../http/server.js';
import type { Persistence } from '../infra/redis-checks.js';
import type { QueueSide } from './queue.js';

// Start-up, second phase: serve HTTP — /healthz at once, /readyz saying what LUNA waits for — before Redis has to answer.

/** How far start-up has come, as /readyz reports it. */
export interface StartProgress {
  /** Redis answered and the role's pieces started. */
  serving: boolean;
  /** What a Redis restart would cost, once checked. */
  persistence?: Persistence | undefined;
}

/** The supervised worker process of a split LUNA_ROLE=all (see supervisor.ts), when this process has one. */
export interface WorkerChildReadiness {
  ready: () => Promise<void>;
}

/** What /readyz checks, in the order it lists them. */
export function readinessChecks(
  q: QueueSide,
  progress: StartProgress,
  workerChild?: WorkerChildReadiness,
): ReadinessCheck[] {
  return [
    { name: 'redis', check: () => redisServes(q, progress) },
    // Loaded before anything started: ready by construction, listed so /readyz names all it depends on.
    { name: 'config', check: loadedBeforeStart },
    { name: 'personas', check: loadedBeforeStart },
    ...(workerChild ? [{ name: 'worker-process', check: workerChild.ready }] : []),
    // A note, never a reason to be unready.
    { name: 'redis-persistence', check: () => Promise.resolve(progress.persistence?.detail ?? 'not checked yet') },
  ];
}

/** Redis is reachable, answers a PING now, and LUNA has finished starting on it. */
async function redisServes(q: QueueSide, progress: StartProgress): Promise<void> {
  if (!q.watch.reachable) throw new Error(q.watch.problem());
  await q.producer.client
    .ping()
    .catch((err: Error) => Promise.reject(new Error(`unreachable at ${q.watch.where} (${err.message})`)));
  if (!progress.serving) throw new Error(`answers at ${q.watch.where}; LUNA is still starting`);
}

function loadedBeforeStart(): Promise<void> {
  return Promise.resolve();
}

/** LUNA's one HTTP server, listening on `port` (0: a free one); Bolt's /slack/events on it in HTTP mode. */
export async function serveHttp(
  port: number,
  q: QueueSide,
  readiness: ReadinessCheck[],
  slack?: RequestListener,
): Promise<{ server: Server; port: number }> {
  const server = createHttpServer({ metrics: q.metrics, readiness, ...(slack ? { slack } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => (server.off('error', reject), resolve()));
  });
  return { server, port: (server.address() as AddressInfo).port };
}
