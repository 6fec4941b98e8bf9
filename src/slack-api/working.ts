import type { WebClient } from '@slack/web-api';
import type { Logger } from '../infra/log.js';
import { slackErrorCode } from './errors.js';

// The working indicator: how LUNA shows it is on a message, from the moment the mention is queued until the answer
// (or the apology, or a limit's note) is there. The mention listener puts it up; the answer job shows it again where
// the listener did not (a DM's assistant status) and takes it down; whoever comes second finds it there and adds nothing.

/** The reaction that says LUNA is working on a message. */
export const WORKING_REACTION = 'hourglass_flowing_sand';

export interface WorkingOn {
  channel: string;
  /** The message LUNA works on (it gets the reaction). */
  messageTs: string;
  /** Its thread, for the assistant status of a DM. */
  threadTs: string;
  /** A DM with LUNA: the assistant status with rotating loading messages where Slack offers it. */
  isDirectMessage?: boolean;
}

/** Shows the indicator: the assistant status in a DM (rotating `loading`), else the reaction. Never fails the caller. */
export async function showWorking(
  slack: WebClient,
  log: Logger,
  on: WorkingOn,
  loading?: readonly string[],
): Promise<void> {
  if (on.isDirectMessage && loading) {
    const shown = await slack.assistant.threads
      .setStatus({
        channel_id: on.channel,
        thread_ts: on.threadTs,
        status: 'is thinking…',
        loading_messages: [...loading],
      })
      .then(() => true)
      .catch(() => false);
    if (shown) return;
  }
  await slack.reactions
    .add({ channel: on.channel, timestamp: on.messageTs, name: WORKING_REACTION })
    .catch((err: unknown) => {
      if (slackErrorCode(err) !== 'already_reacted')
        log.debug('could not show the working indicator', { channel: on.channel, err });
    });
}

/** Takes the reaction down (a DM's assistant status clears itself when LUNA replies). Never fails the caller. */
export async function clearWorking(slack: WebClient, on: Pick<WorkingOn, 'channel' | 'messageTs'>): Promise<void> {
  await slack.reactions
    .remove({ channel: on.channel, timestamp: on.messageTs, name: WORKING_REACTION })
    .catch(() => {});
}
