import type { Queue } from 'bullmq';
import type { Workspace } from '../config/workspace.js';
import { tsOf } from '../domain/digest.js';
import type { DigestState } from '../stores/digests.js';
import type { Logger } from '../infra/log.js';
import { digestSchedulerId, type ScheduledDigestPayload } from '../contracts/jobs.js';
import { JOB_NAMES } from '../contracts/jobs.js';

/**
 * One BullMQ Job Scheduler per `digests:` entry (cron + time zone), upserted at start-up. Every instance
 * upserts the same ids, so however many run there is one job per tick; a schedule removed from the config
 * is removed here. A new schedule's watermark starts now: its first digest covers what arrives after it
 * was configured (an existing watermark is never moved back).
 */
export async function syncDigestSchedulers(
  queue: Queue,
  digests: Workspace['digests'],
  state: DigestState,
  log: Logger,
): Promise<void> {
  const wanted = new Map(digests.map((d) => [digestSchedulerId(d), d]));
  for (const [id, d] of wanted) {
    await state.initWatermark(id, tsOf(Date.now()));
    const data: ScheduledDigestPayload = { schedulerId: id, channel: d.channel, postTo: d.postTo };
    await queue.upsertJobScheduler(
      id,
      { pattern: d.schedule, tz: d.timezone },
      { name: JOB_NAMES.scheduledDigest, data },
    );
  }
  for (const s of await queue.getJobSchedulers(0, -1)) {
    if (s.key.startsWith('digest-') && !wanted.has(s.key)) {
      await queue.removeJobScheduler(s.key);
      log.info('removed a scheduled digest that is no longer configured', { schedule: s.key });
    }
  }
  if (wanted.size)
    log.info('scheduled digests', {
      schedules: [...wanted.values()].map((d) => `${d.channel} → ${d.postTo} at "${d.schedule}" ${d.timezone}`),
    });
}
