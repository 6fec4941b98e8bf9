import type { Settings } from '../config/load.js';
import type { Logger } from '../infra/log.js';
import { checkPersistence, type Persistence, reportPersistence, warnOnEvictingRedis } from '../infra/redis-checks.js';
import { DataLossWatch } from '../queue/data-loss.js';
import { syncDigestSchedulers } from '../queue/digest-schedulers.js';
import { restoreEscalationTimers } from '../queue/escalation-timers.js';
import { syncRequestTimerScheduler } from '../queue/request-timers.js';
import { JOB_NAMES } from '../contracts/jobs.js';
import { requestsOn } from '../domain/request-policy.js';
import type { QueueSide } from './queue.js';

// Start-up, once Redis answers: what to warn about, the watch for Redis losing LUNA's data, and what LUNA puts back.

/**
 * Puts back what LUNA owns in Redis: the digest Job Schedulers (upserted, so also re-timed after a config
 * change), the follow-up timers of open escalations that have none, and the request timers' tick (removed when
 * requests are off; the timers themselves are data in Redis and need nothing put back). Only processes that run workers do:
 * a web-only fleet (possibly on another config version) never re-times digests.
 */
export async function recoverOwnedState(
  settings: Settings,
  q: QueueSide,
  log: Logger,
): Promise<Record<string, number>> {
  if (settings.env.LUNA_ROLE === 'web') return {};
  const { workspace } = settings;
  const { stores } = q.producer;
  await syncDigestSchedulers(q.queue, workspace.digests, stores.digests, log);
  await syncRequestTimerScheduler(q.queue, {
    enabled: requestsOn(workspace.requests),
    jobName: JOB_NAMES.requestTimers,
  });
  const escalationTimers = await restoreEscalationTimers({
    queue: q.queue,
    escalations: stores.escalations,
    enqueue: q.enqueue,
    escalation: workspace.escalation,
  });
  return { digestSchedules: workspace.digests.length, escalationTimers };
}

export interface RedisReadyOptions {
  log: Logger;
  /** How often the data-loss marker is checked. */
  intervalMs: number;
  /** Where start-up records the persistence it found (for /readyz), and the data-loss watch once it exists (for stop). */
  progress: { persistence?: Persistence | undefined; dataWatch?: DataLossWatch | undefined };
  /** Runs when the data-loss watch finds LUNA's data gone. */
  recover: () => Promise<Record<string, number>>;
  /** Awaits a start-up step unless LUNA is stopped first. */
  step: <T>(p: Promise<T>) => Promise<T>;
}

/**
 * Once the queue's connection is ready: warn if Redis may evict keys or keeps nothing on disk, plant the
 * data-loss marker and watch it, and look again at both each time Redis comes back after an outage.
 */
export async function checkRedis(q: QueueSide, o: RedisReadyOptions): Promise<void> {
  const { log, progress, step } = o;
  const where = q.watch.where;
  const redis = q.producer.client;
  await step(q.queue.waitUntilReady());
  await step(warnOnEvictingRedis(redis, log));
  progress.persistence = await step(checkPersistence(redis));
  reportPersistence(progress.persistence, where, log);
  const dataWatch = new DataLossWatch({
    marker: q.producer.stores.marker,
    log,
    where,
    recover: o.recover,
    intervalMs: o.intervalMs,
  });
  progress.dataWatch = dataWatch;
  await step(dataWatch.start());
  q.watch.onReachable((again) => {
    if (!again) return;
    // Back after an outage: was it a restart that kept nothing, and does it keep anything now?
    void dataWatch.check();
    void checkPersistence(redis).then(
      (p) => {
        if (p.kind !== progress.persistence?.kind) reportPersistence(p, where, log);
        progress.persistence = p;
      },
      () => {},
    );
  });
}
