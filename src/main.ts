import { loadSettings, type Settings } from './config/load.js';
import { formatProblems, SettingsError, LunaError } from './infra/errors.js';
import { startLunaListening, type Luna } from './luna.js';
import { createLogger, type Logger } from './infra/log.js';
import { handleProcessFailures } from './infra/process-failures.js';
import { describeTarget } from './infra/redis.js';
import { redisAnswers, startLocalRedis, type LocalRedis } from './infra/local-redis.js';
import { serveSupervisor, superviseWorker, type WorkerChild } from './supervisor.js';

/**
 * Entry point: read settings (or explain in one line per problem what is wrong), find Redis (or run a
 * local one), start, stop on signals. The HTTP server is up before Redis has to answer.
 */
async function main(): Promise<void> {
  let settings;
  try {
    settings = await loadSettings();
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`LUNA cannot start:\n${formatProblems(err.problems, '  ')}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(settings.env.LOG_LEVEL);
  for (const p of settings.personas.list()) for (const w of p.warnings) log.warn(w, { persona: p.id });

  // Filled in as they start, so a signal at any point stops what there is.
  const running: { luna?: Luna; local?: LocalRedis; worker?: WorkerChild } = {};
  handleProcessFailures({ log, count: (kind) => running.luna?.metrics.unhandledErrors.inc({ kind }) });
  let stopping = false;
  const stop = (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    (async () => {
      // The worker half first (it finishes its active jobs), then the web half, then the local Redis.
      await running.worker?.stop((settings.workspace.queue.shutdownGraceSeconds + 5) * 1000);
      await running.luna?.stop();
      await running.local?.stop();
    })().then(
      () => process.exit(code),
      (err) => {
        log.error('stop failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const found = await findRedis(settings, log);
  if (found.local) running.local = found.local;
  if (stopping) return void (await running.local?.stop());
  let start = found.settings;
  if (splitAll(start)) {
    // This process acks; a child of its own answers (same entry point, LUNA_ROLE=worker, the same Redis).
    running.worker = superviseWorker(
      { ...process.env, ...(found.local ? { REDIS_URL: found.local.url } : {}) },
      log,
      start.env.LUNA_WORKER_NICE,
    );
    start = { ...start, env: { ...start.env, LUNA_ROLE: 'web' } };
  }
  const worker = running.worker;
  const supervised = process.env.LUNA_SUPERVISED === '1';
  const luna = await startLunaListening(start, {
    log,
    supervised,
    ...(worker ? { workerChild: { metrics: () => worker.metrics(), ready: () => worker.ready() } } : {}),
  });
  running.luna = luna;
  if (supervised) serveSupervisor(luna.metrics, luna.ready, (why) => stop(why));
  luna.ready.catch((err: unknown) => {
    if (err instanceof LunaError && err.code === 'luna_stopped') return;
    log.error(`LUNA failed to start: ${(err as Error)?.message ?? String(err)}`, { err });
    stop('start-up failure', 1);
  });
}

/** LUNA_ROLE=all runs as two processes unless LUNA_ALL_MODE=inline (see supervisor.ts). */
function splitAll(s: Settings): boolean {
  return s.env.LUNA_ROLE === 'all' && s.env.LUNA_ALL_MODE === 'split' && process.env.LUNA_SUPERVISED !== '1';
}

/**
 * REDIS_URL or REDIS_CLUSTER_NODES set: that, and nothing is started. Neither: 127.0.0.1:6379 if anything
 * answers there, else a local redis-server of LUNA's own (loopback only, AOF on, data in ./.luna/redis),
 * or — without the binary — one line saying how to get one, while LUNA waits for 127.0.0.1:6379.
 */
async function findRedis(settings: Settings, log: Logger): Promise<{ settings: Settings; local?: LocalRedis }> {
  if (settings.redis.explicit) return { settings };
  const { target } = settings.redis;
  if (target.kind !== 'single' || (await redisAnswers(target.url))) return { settings };
  const local = await startLocalRedis({
    log,
    ...(settings.env.LUNA_LOCAL_REDIS_PORT ? { port: settings.env.LUNA_LOCAL_REDIS_PORT } : {}),
  });
  if (!local) {
    log.warn(
      `no Redis answers at ${describeTarget(target)} and no redis-server is installed — install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL`,
    );
    return { settings };
  }
  return { settings: { ...settings, redis: { target: { kind: 'single', url: local.url }, explicit: false } }, local };
}

main().catch((err) => {
  process.stderr.write(`LUNA failed to start: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
