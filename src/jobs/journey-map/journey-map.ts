// The journey-map job: admits the request, builds the map with the model once, and posts it (Block Kit) and its
// picture and Mermaid source, each exactly once across retries. Its parts are the files beside it.
import { createHash } from 'node:crypto';
import { parseKpiTargets } from '../../personas/kpis.js';
import { journeyBlocks } from '../../render/journey-blocks.js';
import { renderJourneyPng } from '../../render/journey-svg.js';
import { journeyMermaid } from '../../render/mermaid.js';
import { postPart } from '../../slack-api/post.js';
import { participantsOf, readThread } from '../../slack-api/thread.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { tellOnly } from '../../slack-api/tell-only.js';
import { admitMention } from '../../steps/mention-limits.js';
import { mentionPolicy } from '../../domain/mention-policy.js';
import { customersAmong, routeInternalOutput, sayPrivately, type Destination } from '../../steps/private-delivery.js';
import { buildMap } from './model.js';
import { alreadyUploaded, altText, findPostedMap, postUsageOnce, slug } from './posted.js';

/**
 * Builds a journey map and posts it: Block Kit in the channel (commands) or the thread (mentions), then
 * the PNG and its Mermaid source in that message's thread. Safe to run again at any point: the model's
 * map and each finished step are kept in Redis, and a retry also looks in Slack for a step that finished
 * just before a crash, so the map and the picture are each posted once.
 */
export async function journeyMapJob(
  job: LunaJob<'journey-map'>,
  ctx: JobContext,
): Promise<{ stages: number; reused: boolean; msToPicture: number }> {
  const p = job.data;
  const jobId = job.id;
  // Any earlier start (a failed attempt, or a worker that died mid-job) may have posted something already.
  const retry = job.attemptsMade > 0 || job.attemptsStarted > 1;
  const log = ctx.log.child({ job: jobId, channel: p.channel });
  const store = ctx.stores.journeys;
  // A journey map is model work a person asked for: it counts against their limits like a mention (steps/mention-limits.ts).
  if (
    !(await admitMention(ctx, jobId, {
      userId: p.userId,
      channel: p.channel,
      threadTs: p.threadTs,
    }))
  ) {
    return { stages: 0, reused: false, msToPicture: 0 };
  }
  const route = await routeInternalOutput(ctx, p.channel, p.userId, 'Journey maps');
  if (route.kind === 'refused') {
    await sayPrivately(ctx, p.channel, p.userId, route.why, p.threadTs);
    return { stages: 0, reused: false, msToPicture: 0 };
  }
  // Where the map goes: the channel or thread it was asked in, or (the customer reads along) the asker's DM.
  const dest: Destination =
    route.kind === 'private'
      ? { channel: route.dm }
      : { channel: p.channel, ...(p.threadTs ? { threadTs: p.threadTs } : {}) };
  const thread = p.threadTs ? await readThread(ctx.slack, p.channel, p.threadTs) : undefined;

  let map = await store.map(jobId);
  const reused = map !== undefined;
  if (!map) {
    if (p.source === 'mention' && !p.subject && (thread?.length ?? 0) <= 1) {
      await postUsageOnce(ctx, p, jobId, thread ?? []);
      return { stages: 0, reused, msToPicture: 0 };
    }
    if (!retry && p.source === 'mention') {
      await tellOnly(
        ctx.slack,
        { channel: p.channel, user: p.userId, threadTs: p.threadTs },
        ':world_map: Building your journey map…',
      ).catch((e: unknown) => log.debug('working note failed', { err: e }));
    }
    const customers =
      route.kind === 'private' && thread
        ? await customersAmong(
            ctx,
            p.channel,
            thread.flatMap((m) => (m.user ? [m.user] : [])),
          )
        : undefined;
    map = await store.storeMap(jobId, await buildMap(ctx, p, thread, customers));
    if (route.kind === 'private') {
      await sayPrivately(
        ctx,
        p.channel,
        p.userId,
        ':lock: Your journey map is on its way to you in a DM: the customer reads this channel.',
        p.threadTs,
      );
    }
  }

  const targets = parseKpiTargets(ctx.settings.persona.systemPrompt);
  const participants = participantsOf(thread ?? [], ctx.identity.botUserId);
  const pictureThread = dest.threadTs;
  await job.assertHeld(); // a run whose lock lapsed while the model wrote does not post beside the run that took over
  let mapTs = await store.postedTs(jobId);
  if (!mapTs && retry) mapTs = await findPostedMap(ctx, p, dest, jobId, route.kind === 'here' ? thread : undefined);
  if (!mapTs) {
    const note = pictureThread
      ? 'The picture and its Mermaid source follow below.'
      : 'The picture and its Mermaid source are in the thread.';
    const rendered = journeyBlocks(map, mentionPolicy(ctx.settings, [...participants, p.userId]), note, targets);
    if (rendered.removed.length) {
      ctx.metrics.mentionsNeutralised.inc(rendered.removed.length);
      log.warn('neutralised mentions in the journey map', { removed: rendered.removed });
    }
    mapTs = await postPart(ctx.slack, {
      channel: dest.channel,
      threadTs: pictureThread,
      jobId,
      part: 'map',
      text: rendered.text,
      blocks: rendered.blocks,
    });
    await store.setPostedTs(jobId, mapTs);
  }

  const uploadThread = pictureThread ?? mapTs;
  const filename = `${slug(map.scenario)}-journey-map-${createHash('sha1').update(jobId).digest('hex').slice(0, 8)}`;
  const uploaded =
    (await store.uploaded(jobId)) ||
    (retry && (await alreadyUploaded(ctx, dest.channel, uploadThread, `${filename}.png`)));
  if (!uploaded) {
    const picture = await renderJourneyPng(map, targets);
    await ctx.slack.files.uploadV2({
      channel_id: dest.channel,
      thread_ts: uploadThread,
      initial_comment:
        `Journey map: ${map.stages.length} stages, ${picture.width}×${picture.height} px. ` +
        'The .mmd file is the same map in Mermaid, to edit.',
      file_uploads: [
        {
          file: picture.png,
          filename: `${filename}.png`,
          title: `Journey map: ${map.scenario}`,
          alt_text: altText(map),
        },
        {
          content: journeyMermaid(map),
          filename: `${filename}.mmd`,
          title: 'Journey map (Mermaid source)',
          snippet_type: 'text',
        },
      ],
    });
    await store.markUploaded(jobId);
  }
  const msToPicture = Date.now() - p.receivedAt;
  log.info('journey map posted', { stages: map.stages.length, reused, msToPicture });
  return { stages: map.stages.length, reused, msToPicture };
}
