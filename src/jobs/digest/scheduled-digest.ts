import { compareTs, tsOf } from '../../domain/digest.js';
import { threadsWithNewMessages } from '../../slack-api/channel-feedback.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { buildRecord, publishDigest, toDigestMessages } from './publish.js';
import { customersAmong } from '../../steps/private-delivery.js';
import { mention } from '../../domain/slack-ids.js';

/** Longer than any run; a lock whose holder died lapses after this and the next tick proceeds. */
const RUN_LOCK_MS = 60 * 60_000;

/**
 * One tick of a scheduled digest: the channel's threads with messages since the watermark, digested and
 * posted to `postTo`. Never twice, never a gap:
 * - BullMQ makes one job per tick however many instances upserted the scheduler;
 * - one run per schedule at a time (a Redis lock held by the job id, so its own retries pass): a tick
 *   that finds another run in progress ends without posting, and the next tick covers its messages;
 * - the digest is stored before posting and its parts carry metadata, so a retry posts only what is missing;
 * - the watermark moves only after posting, by compare-and-set, to the newest message actually included.
 */
export async function scheduledDigestJob(
  job: LunaJob<'scheduled-digest'>,
  ctx: JobContext,
): Promise<{ posted: boolean; messages: number }> {
  const p = job.data;
  const id = job.id;
  const log = ctx.log.child({ job: id, schedule: p.schedulerId });
  const state = ctx.stores.digests;
  // A digest is internal analysis: it never goes where a customer reads along, whatever the config says.
  if ((await ctx.directory.audience(p.postTo)).kind === 'customer') {
    log.error(
      'a scheduled digest’s postTo is a customer channel; not posting it there (point postTo at an internal channel)',
      { postTo: p.postTo },
    );
    return { posted: false, messages: 0 };
  }
  if (!(await state.lockRun(p.schedulerId, id, RUN_LOCK_MS))) {
    log.info('another run of this scheduled digest is in progress; this tick is covered by the next one');
    return { posted: false, messages: 0 };
  }
  let record = await state.record(id);
  if (!record) {
    const since = await state.watermark(p.schedulerId);
    if (!since) {
      // Only when the state was lost (schedulers set it when they are created): start from now.
      await state.initWatermark(p.schedulerId, tsOf(Date.now()));
      await state.unlockRun(p.schedulerId, id);
      return { posted: false, messages: 0 };
    }
    const threads = await threadsWithNewMessages(ctx.slack, p.channel, since);
    const customers = await customersAmong(
      ctx,
      p.channel,
      threads.flat().flatMap((m) => (m.user ? [m.user] : [])),
    );
    const messages = toDigestMessages(ctx, p.channel, threads, customers);
    // An older parent comes along as context; only messages after the watermark make a digest.
    const fresh = messages.filter((m) => compareTs(m.ts, since) > 0);
    if (fresh.length === 0) {
      await state.unlockRun(p.schedulerId, id);
      return { posted: false, messages: 0 };
    }
    const until = fresh.reduce((max, m) => (compareTs(m.ts, max) > 0 ? m.ts : max), since);
    record = await state.storeRecord(
      await buildRecord(ctx, state, {
        id,
        kind: 'channel',
        channel: p.channel,
        messages,
        threads: threads.length,
        since,
        until,
      }),
    );
  }
  // Refreshed after the model calls; had it lapsed and another run taken over, that run posts these messages.
  if (!(await state.lockRun(p.schedulerId, id, RUN_LOCK_MS))) {
    log.warn('lost the run lock of this scheduled digest to another run; not posting');
    return { posted: false, messages: 0 };
  }
  await publishDigest(ctx, state, record, { channel: p.postTo });
  const { since, until } = record.scope;
  if (since && until && !(await state.advanceWatermark(p.schedulerId, since, until))) {
    log.warn('scheduled digest watermark had moved during the run; left as it is', { since, until });
  }
  await state.unlockRun(p.schedulerId, id);
  log.info('scheduled digest posted', { messages: record.scope.messages, threads: record.scope.threads });
  return { posted: true, messages: record.scope.messages };
}

/** After the last attempt: a short note in `postTo`, and the schedule is free for the next tick. */
export async function scheduledDigestFailed(job: LunaJob<'scheduled-digest'>, ctx: JobContext): Promise<void> {
  const state = ctx.stores.digests;
  await state.unlockRun(job.data.schedulerId, job.id);
  await ctx.slack.chat.postMessage({
    channel: job.data.postTo,
    text: `:warning: This time's feedback digest of ${mention(job.data.channel)} could not be produced after several tries. Nothing is lost: the next scheduled digest covers these messages.`,
  });
}
