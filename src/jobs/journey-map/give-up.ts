// The journey-map job's last word when it gives up: one line to the person who asked, saying why, privately for
// a command (its response_url, else an ephemeral) or in the thread for a mention.
import { truncate } from '../../domain/text.js';
import { LunaError } from '../../infra/errors.js';
import { escapeMrkdwn } from '../../render/mrkdwn.js';
import { slackErrorCode } from '../../slack-api/errors.js';
import { participantsOf, postedParts, readThread } from '../../slack-api/thread.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { guardIfCustomer, postChecked } from '../../steps/customer-guard.js';
import { tellOnly } from '../../slack-api/tell-only.js';

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
