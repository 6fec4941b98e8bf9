import { createHash } from 'node:crypto';
import { JourneyMap } from '../domain/journey.js';
import { truncate } from '../domain/text.js';
import { fitThread } from '../domain/thread-budget.js';
import { LunaError } from '../infra/errors.js';
import { buildJourneyPrompt } from '../llm/journey-prompt.js';
import { callStructured } from '../llm/structured.js';
import type { JourneyMapPayload } from '../contracts/jobs.js';
import { parseKpiTargets } from '../personas/kpis.js';
import { JOURNEY_USAGE, journeyBlocks } from '../render/journey-blocks.js';
import { escapeMrkdwn } from '../render/mrkdwn.js';
import { renderJourneyPng } from '../render/journey-svg.js';
import { journeyMermaid } from '../render/mermaid.js';
import { slackErrorCode } from '../slack-api/errors.js';
import { postPart } from '../slack-api/post.js';
import {
  participantsOf,
  postedParts,
  readThread,
  toThreadMessages,
  type SlackThreadMessage,
} from '../slack-api/thread.js';
import type { JobContext, LunaJob } from '../contracts/job-context.js';
import { guardIfCustomer, postChecked } from '../steps/customer-guard.js';
import { tellOnly } from '../slack-api/tell-only.js';
import { admitMention } from '../steps/mention-limits.js';
import { mentionPolicy } from '../domain/mention-policy.js';
import { customersAmong, routeInternalOutput, sayPrivately, type Destination } from '../steps/private-delivery.js';
import { mention } from '../domain/slack-ids.js';

/** A whole map is a few thousand tokens of JSON; 8 stages with every list full stay well under this. */
const MAX_TOKENS = 8192;
/** Structured calls are not streamed, so the deadline covers the whole answer. */
const MODEL_TIMEOUT_MS = 180_000;

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
  // A journey map is model work a person asked for: it counts against their limits like a mention (jobs/mention-limits.ts).
  if (
    !(await admitMention(ctx, jobId, {
      userId: p.userId,
      channel: p.channel,
      threadTs: p.threadTs,
      isDirectMessage: p.channel.startsWith('D'),
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

async function buildMap(
  ctx: JobContext,
  p: JourneyMapPayload,
  thread: SlackThreadMessage[] | undefined,
  external?: ReadonlyMap<string, string>,
) {
  const fitted = thread
    ? fitThread(
        toThreadMessages(thread, ctx.identity.botUserId, ctx.identity.botId),
        ctx.settings.workspace.model.threadTokenBudget,
      )
    : undefined;
  const where = p.channel.startsWith('D') ? 'a direct message' : `a thread in channel ${mention(p.channel)}`;
  const prompt = buildJourneyPrompt({
    persona: ctx.settings.persona,
    subject: p.subject,
    ...(fitted ? { thread: { kept: fitted.kept, omitted: fitted.omitted, where, external } } : {}),
  });
  try {
    const { value, usage } = await callStructured(ctx.anthropic, {
      model: ctx.settings.persona.model,
      ...prompt,
      schema: JourneyMap,
      maxTokens: MAX_TOKENS,
      timeoutMs: MODEL_TIMEOUT_MS,
    });
    ctx.metrics.recordUsage(usage);
    return value;
  } catch (err) {
    // One corrective retry already happened inside callStructured; the same request would fail the same way.
    if ((err as LunaError)?.code === 'luna_model_output_invalid') {
      throw new LunaError('luna_model_output_invalid', (err as Error).message, { retriable: false, cause: err });
    }
    throw err;
  }
}

/** A retry after a crash between posting and recording it: the map message carries this job's metadata. */
async function findPostedMap(
  ctx: JobContext,
  p: JourneyMapPayload,
  dest: Destination,
  jobId: string,
  thread: SlackThreadMessage[] | undefined,
) {
  if (thread) return postedParts(thread, jobId).get('map');
  const recent = await ctx.slack.conversations.history({
    channel: dest.channel,
    oldest: String(p.receivedAt / 1000 - 60),
    limit: 100,
    include_all_metadata: true,
  });
  return postedParts((recent.messages ?? []) as SlackThreadMessage[], jobId).get('map');
}

async function alreadyUploaded(ctx: JobContext, channel: string, threadTs: string, filename: string): Promise<boolean> {
  const replies = await readThread(ctx.slack, channel, threadTs);
  return replies.some((m) => (m as { files?: Array<{ name?: string }> }).files?.some((f) => f.name === filename));
}

/** `@luna journey map` with nothing to map and no thread to read: explain, once. */
async function postUsageOnce(
  ctx: JobContext,
  p: JourneyMapPayload,
  jobId: string,
  thread: SlackThreadMessage[],
): Promise<void> {
  if (postedParts(thread, jobId).has('usage')) return;
  const guard = await guardIfCustomer(ctx, p.channel, participantsOf(thread, ctx.identity.botUserId));
  await postChecked(ctx, guard, {
    channel: p.channel,
    threadTs: p.threadTs,
    jobId,
    part: 'usage',
    text: JOURNEY_USAGE,
  });
}

/** A file name people can keep in a QBR folder: the scenario's first words, at most about 40 characters. */
function slug(s: string): string {
  const words = s
    .normalize('NFKD')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let out = '';
  for (const w of words) {
    const next = out ? `${out}-${w}` : w;
    if (next.length > 40) break;
    out = next;
  }
  return out || words[0]?.slice(0, 40) || 'customer';
}

/** What a screen reader says for the picture: the stages and how the customer feels in each. */
function altText(map: JourneyMap): string {
  const stages = map.stages.map((s) => `${s.name} (${s.emotion}/5)`).join(', ');
  return `Customer journey map for ${map.actor}: ${stages}.`.slice(0, 1000);
}

/**
 * After the last attempt, or a failure no retry fixes, the person who asked is told why in one line:
 * privately for a command (through its response_url, else an ephemeral), in the thread for a mention.
 */
export async function journeyMapGaveUp(job: LunaJob<'journey-map'>, ctx: JobContext, err: unknown): Promise<void> {
  const p = job.data;
  const text = `:warning: ${failureText(err, p.subject)}`;
  if (p.source === 'command') {
    if (p.responseUrl && (await respond(p.responseUrl, text))) return;
    await tellOnly(ctx.slack, { channel: p.channel, user: p.userId }, text);
    return;
  }
  const thread = await readThread(ctx.slack, p.channel, p.threadTs!);
  if (postedParts(thread, job.id).has('apology')) return;
  const guard = await guardIfCustomer(ctx, p.channel, participantsOf(thread, ctx.identity.botUserId));
  await postChecked(ctx, guard, { channel: p.channel, threadTs: p.threadTs, jobId: job.id, part: 'apology', text });
}

const CANNOT_POST = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);

function failureText(err: unknown, subject: string): string {
  const what = subject ? ` for “${escapeMrkdwn(truncate(subject, 80))}”` : '';
  const code = err instanceof LunaError ? err.code : undefined;
  const slackError = slackErrorCode(err) ?? '';
  if (code === 'luna_model_output_invalid') {
    return `I couldn't build a journey map${what}: the AI's answer did not fit the map's structure, even after a second try. Try again with a more specific customer, segment or scenario.`;
  }
  if (code === 'luna_model_unavailable' || code === 'luna_model_stalled') {
    return `I couldn't build a journey map${what}: the AI service did not respond after several tries. Please try again in a few minutes.`;
  }
  if (CANNOT_POST.has(slackError))
    return `I couldn't post the journey map${what} here: invite me to this channel (\`/invite @LUNA\`) and try again.`;
  return `I couldn't finish the journey map${what}: something went wrong on my side. Please try again in a few minutes.`;
}

async function respond(url: string, text: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
      signal: AbortSignal.timeout(5_000),
    });
    return res.ok;
  } catch {
    return false; // expired (30 minutes) or unreachable: the caller falls back to an ephemeral message
  }
}
