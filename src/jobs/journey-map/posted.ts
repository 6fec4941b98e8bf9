// What the journey-map job looks up and posts in Slack besides the map itself: its earlier posts and uploads (for
// a retry after a crash), the one-time usage note, and the picture's file name and alt text.
import type { JourneyMap } from '../../domain/journey.js';
import type { JourneyMapPayload } from '../../contracts/jobs.js';
import { JOURNEY_USAGE } from '../../render/journey-blocks.js';
import { participantsOf, postedParts, readThread, type SlackThreadMessage } from '../../slack-api/thread.js';
import type { JobContext } from '../../contracts/job-context.js';
import { guardIfCustomer, postChecked } from '../../steps/customer-guard.js';
import type { Destination } from '../../steps/private-delivery.js';

/** A retry after a crash between posting and recording it: the map message carries this job's metadata. */
export async function findPostedMap(
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

export async function alreadyUploaded(
  ctx: JobContext,
  channel: string,
  threadTs: string,
  filename: string,
): Promise<boolean> {
  const replies = await readThread(ctx.slack, channel, threadTs);
  return replies.some((m) => (m as { files?: Array<{ name?: string }> }).files?.some((f) => f.name === filename));
}

/** `@luna journey map` with nothing to map and no thread to read: explain, once. */
export async function postUsageOnce(
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
export function slug(s: string): string {
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
export function altText(map: JourneyMap): string {
  const stages = map.stages.map((s) => `${s.name} (${s.emotion}/5)`).join(', ');
  return `Customer journey map for ${map.actor}: ${stages}.`.slice(0, 1000);
}
