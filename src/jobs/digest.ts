import type { ThreadDigestPayload } from '../contracts/jobs.js';
import { LunaError } from '../infra/errors.js';
import { slackErrorCode } from '../slack-api/errors.js';
import { postPart } from '../slack-api/post.js';
import { postedParts, readThread, type SlackThreadMessage } from '../slack-api/thread.js';
import type { JobContext, LunaJob } from '../contracts/job-context.js';
import { buildRecord, publishDigest, toDigestMessages } from './digest-publish.js';

/**
 * `@luna digest` / the "Feedback digest" shortcut: a digest of the whole thread, posted in it. Safe to run
 * again after a crash at any point: the digest is stored before anything is posted (a retry never asks the
 * model for different words) and parts already in the thread are not posted again.
 */
export async function threadDigestJob(job: LunaJob<'digest'>, ctx: JobContext): Promise<{ messages: number; parts: number }> {
  const p = job.data;
  const id = job.id;
  const state = ctx.stores.digests;
  const thread = await readThread(ctx.slack, p.channel, p.threadTs);
  let record = await state.record(id);
  if (!record) {
    const messages = toDigestMessages(ctx, p.channel, [thread]);
    if (messages.length === 0) {
      await note(ctx, id, p, 'empty', 'There is no customer feedback in this thread for me to digest yet: ask me inside a thread of feedback, or use the "Feedback digest" shortcut on one of its messages.', thread);
      return { messages: 0, parts: 0 };
    }
    record = await state.storeRecord(
      await buildRecord(ctx, state, { id, kind: 'thread', channel: p.channel, threadTs: p.threadTs, messages, threads: 1 }),
    );
  }
  await publishDigest(ctx, state, record, { channel: p.channel, threadTs: p.threadTs }, thread);
  return { messages: record.scope.messages, parts: record.scope.parts };
}

/** After the last attempt, the thread hears why, once (or, where LUNA cannot post, the shortcut's user). */
export async function threadDigestFailed(job: LunaJob<'digest'>, ctx: JobContext, err: unknown): Promise<void> {
  const text = failureText(err);
  try {
    await note(ctx, job.id, job.data, 'apology', text);
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

async function note(ctx: JobContext, id: string, p: ThreadDigestPayload, part: string, text: string, read?: SlackThreadMessage[]): Promise<void> {
  const thread = read ?? (await readThread(ctx.slack, p.channel, p.threadTs));
  if (postedParts(thread, id).has(part)) return;
  await postPart(ctx.slack, { channel: p.channel, threadTs: p.threadTs, jobId: id, part, text });
}
