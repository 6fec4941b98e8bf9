import { requestSide } from '../../steps/requests.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { isPleasantry } from '../../domain/pleasantry.js';
import {
  DETECT_BATCH_MAX,
  DETECT_WINDOW_MS,
  DETECTION_WINDOW_KEY,
  tracksRequests,
  tsMillis,
} from '../../domain/request-policy.js';
import { isCustomerMessage, openAndAnnounce } from '../../slack-api/request-card.js';

/**
 * A top-level message in a channel `requests.channels` names. A customer's opens a request (or joins the one they
 * opened within groupMinutes) as `detection` says: `every` at once, `ai` once the small model has read it with the
 * channel's other candidates (`request-detect`), `reaction` never. Greetings, thanks and acknowledgements stop here,
 * before any model call. Nothing is said in the channel.
 */
export async function requestMessageJob(
  job: LunaJob<'request-message'>,
  ctx: JobContext,
): Promise<{ outcome: string; request?: string }> {
  const p = job.data;
  const cfg = ctx.settings.workspace.requests;
  if (!tracksRequests(cfg.channels, p.channel)) return { outcome: 'requests are off in this channel' };
  if (cfg.detection === 'reaction') return { outcome: 'detection is reaction: only the reaction opens one' };
  if (isPleasantry(p.text)) return { outcome: 'a pleasantry' };
  if (!(await isCustomerMessage(ctx, p))) return { outcome: 'not a customer’s message in a customer channel' };

  if (cfg.detection === 'every') {
    const side = requestSide(ctx);
    const opened = await openAndAnnounce(
      side,
      {
        channel: p.channel,
        messageTs: p.ts,
        threadTs: p.threadTs,
        askerId: p.userId,
        text: p.text,
        at: tsMillis(p.ts),
        via: 'every',
      },
      { group: true, again: job.attemptsStarted > 1 },
    );
    return { outcome: opened.outcome, request: opened.record.id };
  }

  // ai: into the current window; its timer (or its size) has it read in one call with the others.
  const now = Date.now();
  const ref = { channel: p.channel, ts: p.ts, threadTs: p.threadTs, user: p.userId, text: p.text };
  const { windowId, size } = await ctx.stores.signals.add(DETECTION_WINDOW_KEY, ref, now);
  const due = Number(windowId) + DETECT_WINDOW_MS - now;
  await ctx.enqueue('request-detect', { windowId, trigger: 'timer' }, { delayMs: Math.max(0, Math.round(due)) });
  if (size >= DETECT_BATCH_MAX) await ctx.enqueue('request-detect', { windowId, trigger: 'full' });
  return { outcome: 'waiting for detection' };
}
