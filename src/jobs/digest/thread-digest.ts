import { LunaError } from '../../infra/errors.js';
import { slackErrorCode } from '../../slack-api/errors.js';
import { postPart } from '../../slack-api/post.js';
import { postedParts, readThread, type SlackThreadMessage } from '../../slack-api/thread.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { buildRecord, publishDigest, toDigestMessages } from './publish.js';
import { admitMention } from '../../steps/mention-limits.js';
import { customersAmong, routeInternalOutput, sayPrivately, type Destination } from '../../steps/private-delivery.js';

/**
 * `@luna digest` / the "Feedback digest" shortcut: a digest of the whole thread, posted in it — or, where
 * the customer reads along, sent to the person who asked by DM. Safe to run again after a crash at any
 * point: the digest is stored before anything is posted (a retry never asks the model for different
 * words) and parts already posted are not posted again.
 */
export async function threadDigestJob(
  job: LunaJob<'digest'>,
  ctx: JobContext,
): Promise<{ messages: number; parts: number }> {
  const p = job.data;
  const id = job.id;
  const state = ctx.stores.digests;
  // A digest is model work a person asked for: it counts against their limits like a mention (steps/mention-limits.ts).
  if (
    !(await admitMention(ctx, id, {
      userId: p.requestedBy,
      channel: p.channel,
      threadTs: p.threadTs,
    }))
  ) {
    return { messages: 0, parts: 0 };
  }
  const route = await routeInternalOutput(ctx, p.channel, p.requestedBy, 'Feedback digests');
  if (route.kind === 'refused') {
    await sayPrivately(ctx, p.channel, p.requestedBy, route.why, p.threadTs);
    return { messages: 0, parts: 0 };
  }
  const to: Destination =
    route.kind === 'private' ? { channel: route.dm } : { channel: p.channel, threadTs: p.threadTs };
  const thread = await readThread(ctx.slack, p.channel, p.threadTs);
  let record = await state.record(id);
  if (!record) {
    const customers =
      route.kind === 'private'
        ? await customersAmong(
            ctx,
            p.channel,
            thread.flatMap((m) => (m.user ? [m.user] : [])),
          )
        : undefined;
    const messages = toDigestMessages(ctx, p.channel, [thread], customers);
    if (messages.length === 0) {
      await note(
        ctx,
        id,
        to,
        'empty',
        'There is no customer feedback in this thread for me to digest yet: ask me inside a thread of feedback, or use the "Feedback digest" shortcut on one of its messages.',
        route.kind === 'here' ? thread : undefined,
      );
      return { messages: 0, parts: 0 };
    }
    const sharedWith = route.kind === 'private' ? { sharedWith: route.sharedWith } : {};
    record = await state.storeRecord(
      await buildRecord(ctx, state, {
        id,
        kind: 'thread',
        channel: p.channel,
        threadTs: p.threadTs,
        messages,
        threads: 1,
        ...sharedWith,
      }),
    );
  }
  await job.assertHeld(); // a run whose lock lapsed while the model wrote does not post beside the run that took over
  await publishDigest(ctx, state, record, to, route.kind === 'here' ? thread : undefined);
  if (route.kind === 'private' && job.attemptsMade === 0) {
    await sayPrivately(
      ctx,
      p.channel,
      p.requestedBy,
      ':lock: I sent you the feedback digest of this thread in a DM: the customer reads this channel.',
      p.threadTs,
    );
  }
  return { messages: record.scope.messages, parts: record.scope.parts };
}

/** After the last attempt, the thread hears why, once (or, where LUNA cannot post, the shortcut's user). */
export async function threadDigestFailed(job: LunaJob<'digest'>, ctx: JobContext, err: unknown): Promise<void> {
  const text = failureText(err);
  const p = job.data;
  try {
    const route = await routeInternalOutput(ctx, p.channel, p.requestedBy, 'Feedback digests');
    if (route.kind === 'refused') return;
    await note(
      ctx,
      job.id,
      route.kind === 'private' ? { channel: route.dm } : { channel: p.channel, threadTs: p.threadTs },
      'apology',
      text,
    );
  } catch (e) {
    if (!job.data.responseUrl) throw e;
    const res = await fetch(job.data.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text }),
    });
    if (!res.ok) throw new Error(`response_url answered ${res.status}`);
  }
}

function failureText(err: unknown): string {
  const code = err instanceof LunaError ? err.code : undefined;
  const slackError = slackErrorCode(err);
  if (slackError === 'not_in_channel' || slackError === 'channel_not_found') {
    return ":warning: I can't read that conversation. Add me to the channel (`/invite @LUNA`) and ask again.";
  }
  const why =
    code === 'luna_model_unavailable' || code === 'luna_model_stalled'
      ? 'the AI service did not respond after several tries'
      : code === 'luna_model_output_invalid'
        ? 'the AI service kept giving me an unusable digest'
        : 'something went wrong on my side';
  return `:warning: Sorry, I couldn't finish the feedback digest of this thread: ${why}. Please ask me again in a few minutes.`;
}

/** A short note from this digest job, once: in the thread, or (a private route) in the DM. */
async function note(
  ctx: JobContext,
  id: string,
  to: Destination,
  part: string,
  text: string,
  read?: SlackThreadMessage[],
): Promise<void> {
  const seen = to.threadTs
    ? (read ?? (await readThread(ctx.slack, to.channel, to.threadTs)))
    : (((await ctx.slack.conversations.history({ channel: to.channel, limit: 50, include_all_metadata: true }))
        .messages ?? []) as SlackThreadMessage[]);
  if (postedParts(seen, id).has(part)) return;
  await postPart(ctx.slack, { channel: to.channel, threadTs: to.threadTs, jobId: id, part, text });
}
