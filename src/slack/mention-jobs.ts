import {
  SUBJECT_MAX,
  type AnswerPayload,
  type JourneyMapPayload,
  type ThreadDigestPayload,
} from '../contracts/jobs.js';
import type { SlackAdapterDeps } from './deps.js';

// What an @luna mention asks for besides an answer (mentionIntent decides): the digest of its thread, or a journey
// map with the thread as evidence. The mention listener builds these jobs; the digest and journey-map listeners
// build theirs from a shortcut and a command.

/** `@luna digest` in a thread: the mention's own fields say which thread and who asked. */
export function threadDigestPayload(
  m: Pick<AnswerPayload, 'teamId' | 'channel' | 'threadTs' | 'messageTs' | 'userId' | 'receivedAt'>,
): ThreadDigestPayload {
  return {
    ...(m.teamId ? { teamId: m.teamId } : {}),
    channel: m.channel,
    threadTs: m.threadTs,
    requestedBy: m.userId,
    source: 'mention',
    requestTs: m.messageTs,
    receivedAt: m.receivedAt,
  };
}

/** `@luna journey map …` (routed by mentionIntent): the thread it was asked in is the evidence and the destination. */
export async function enqueueJourneyMapMention(
  deps: Pick<SlackAdapterDeps, 'enqueue'>,
  m: Pick<AnswerPayload, 'teamId' | 'channel' | 'messageTs' | 'threadTs' | 'userId' | 'receivedAt'>,
  subject: string,
): Promise<void> {
  const payload: JourneyMapPayload = {
    ...(m.teamId ? { teamId: m.teamId } : {}),
    channel: m.channel,
    userId: m.userId,
    subject: subject.replace(/\s+/g, ' ').trim().slice(0, SUBJECT_MAX),
    source: 'mention',
    requestId: m.messageTs,
    threadTs: m.threadTs,
    receivedAt: m.receivedAt,
  };
  await deps.enqueue('journey-map', payload);
}
