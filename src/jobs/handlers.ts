import type { JobContext, JobHandlers, LunaJob } from '../contracts/job-context.js';
import { cannotSucceed } from '../slack-api/errors.js';
import { tellOnly } from '../slack-api/tell-only.js';
import { answerJob } from './answer/answer.js';
import { apologise, stillWorking } from './answer/give-up.js';
import { csatVoteJob } from './csat-vote.js';
import { threadResolvedJob } from './thread-resolved.js';
import { threadDigestFailed, threadDigestJob } from './digest/thread-digest.js';
import { digestDoneFailed, digestDoneJob } from './digest/digest-done.js';
import { draftActionJob } from './draft-action.js';
import { escalateJob } from './escalation/escalate.js';
import { escalationActionJob } from './escalation/action.js';
import { escalationTimerJob } from './escalation/timer.js';
import { feedbackFailed, feedbackJob } from './feedback.js';
import { homeFailed, homeJob } from './home/home.js';
import { journeyMapJob } from './journey-map/journey-map.js';
import { journeyMapGaveUp } from './journey-map/give-up.js';
import { messagesOpenedJob } from './messages-opened.js';
import { scheduledDigestFailed, scheduledDigestJob } from './digest/scheduled-digest.js';
import { signalBatchFailed, signalBatchJob } from './signals/batch.js';
import { signalMessageJob } from './signals/message.js';
import { requestActionJob } from './requests/action.js';
import { requestDeleteJob } from './requests/delete.js';
import { requestDetectJob } from './requests/detect.js';
import { requestEditJob } from './requests/edit.js';
import { requestMessageJob } from './requests/message.js';
import { requestReactionJob } from './requests/reaction.js';
import { requestReplyJob } from './requests/reply.js';
import { requestTimerJob } from './requests/timer.js';
import { requestTimersJob } from './requests/timers.js';

/**
 * Escalation work is internal: a lasting failure is logged (and counted in job metrics), not posted to a customer
 * thread. A job that could never succeed is the worker's one warning already.
 */
function logOnly(job: LunaJob, ctx: JobContext, err: unknown): Promise<void> {
  if (!cannotSucceed(err)) ctx.log.error('job gave up after its last attempt', { job: job.id, name: job.name, err });
  return Promise.resolve();
}

/** The clicker hears that the draft could not be posted (it stays pending, so they can press again). */
async function draftActionFailed(job: LunaJob<'draft-action'>, ctx: JobContext): Promise<void> {
  await ctx.stores.drafts.reopen(job.data.draftId, job.id);
  await tellOnly(
    ctx.slack,
    { channel: job.data.channel, user: job.data.userId },
    ":warning: Sorry, I couldn't do that just now. Please press the button again in a minute.",
  );
}

/** One handler per job of the catalogue (contracts/jobs.ts): a job missing here is a type error. */
export const HANDLERS: JobHandlers = {
  answer: { run: answerJob, onGiveUp: apologise, onWaiting: stillWorking },
  escalate: { run: escalateJob, onGiveUp: logOnly },
  'escalation-timer': { run: escalationTimerJob, onGiveUp: logOnly },
  'escalation-action': { run: escalationActionJob, onGiveUp: logOnly },
  digest: { run: threadDigestJob, onGiveUp: threadDigestFailed },
  'scheduled-digest': { run: scheduledDigestJob, onGiveUp: scheduledDigestFailed },
  'digest-done': { run: digestDoneJob, onGiveUp: digestDoneFailed },
  'journey-map': { run: journeyMapJob, onGiveUp: journeyMapGaveUp },
  'draft-action': { run: draftActionJob, onGiveUp: draftActionFailed },
  home: { run: homeJob, onGiveUp: homeFailed },
  // Signals and surveys are internal bookkeeping: a lasting failure is logged, and the customer sees nothing either way.
  'signal-message': { run: signalMessageJob, onGiveUp: logOnly },
  'signal-batch': { run: signalBatchJob, onGiveUp: signalBatchFailed },
  'thread-resolved': { run: threadResolvedJob, onGiveUp: logOnly },
  'csat-vote': { run: csatVoteJob, onGiveUp: logOnly },
  feedback: { run: feedbackJob, onGiveUp: feedbackFailed },
  // Suggested prompts are a courtesy: a lasting failure is logged, the DM works without them.
  'messages-opened': { run: messagesOpenedJob, onGiveUp: logOnly },
  // Customer requests are internal bookkeeping: the customer sees nothing either way, so a lasting failure is logged.
  'request-message': { run: requestMessageJob, onGiveUp: logOnly },
  'request-reply': { run: requestReplyJob, onGiveUp: logOnly },
  'request-reaction': { run: requestReactionJob, onGiveUp: logOnly },
  'request-action': { run: requestActionJob, onGiveUp: logOnly },
  'request-edit': { run: requestEditJob, onGiveUp: logOnly },
  'request-delete': { run: requestDeleteJob, onGiveUp: logOnly },
  'request-detect': { run: requestDetectJob, onGiveUp: logOnly },
  'request-timer': { run: requestTimerJob, onGiveUp: logOnly },
  'request-timers': { run: requestTimersJob, onGiveUp: logOnly },
};
