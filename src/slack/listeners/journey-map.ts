import type { App } from '@slack/bolt';
import { z } from 'zod';
import { ChannelId, SUBJECT_MAX, TeamId, TriggerId, UserId, type JourneyMapPayload } from '../../contracts/jobs.js';
import { JOURNEY_USAGE } from '../../render/journey-blocks.js';
import { escapeMrkdwn } from '../../render/mrkdwn.js';
import type { SlackAdapterDeps } from '../deps.js';
import { issuesOf } from '../guard.js';
import { observeAck, receivedEpoch } from '../received.js';

export const JOURNEY_COMMAND = '/journey-map';

/** The fields of the slash command's form LUNA uses; `text` is empty or missing for `/journey-map` alone. */
const Command = z.object({
  text: z.string().default(''),
  channel_id: ChannelId,
  user_id: UserId,
  team_id: TeamId.optional(),
  trigger_id: TriggerId,
  response_url: z.url().optional(),
});

/**
 * `/journey-map <subject>`: the ack is the HTTP response (`processBeforeResponse`), so the job is queued
 * first and the ephemeral "building your map…" goes back with the 200. Empty or `help` answers usage.
 */
export function registerJourneyMapCommand(app: App, deps: SlackAdapterDeps): void {
  app.command(JOURNEY_COMMAND, async ({ command: body, ack, context }) => {
    const parsed = Command.safeParse(body);
    if (!parsed.success) {
      // Slack never sends this; acked (a slash command is never retried) with the usage, and logged without its values.
      deps.log.warn('ignored a malformed /journey-map command', { issues: issuesOf(parsed.error) });
      await ack({ response_type: 'ephemeral', text: JOURNEY_USAGE });
      return;
    }
    const command = parsed.data;
    const subject = command.text.replace(/\s+/g, ' ').trim();
    if (!subject || /^(help|\?|usage)$/i.test(subject)) {
      await ack({ response_type: 'ephemeral', text: JOURNEY_USAGE });
      return;
    }
    const payload: JourneyMapPayload = {
      ...(command.team_id ? { teamId: command.team_id } : {}),
      channel: command.channel_id,
      userId: command.user_id,
      subject: subject.slice(0, SUBJECT_MAX),
      source: 'command',
      requestId: command.trigger_id,
      ...(command.response_url ? { responseUrl: command.response_url } : {}),
      receivedAt: receivedEpoch(context),
    };
    try {
      await deps.enqueue('journey-map', payload);
    } catch (err) {
      // Slack never retries a slash command, so a failed enqueue must be said now, not turned into a 500.
      deps.log.error('could not queue a journey map', { err });
      await ack({
        response_type: 'ephemeral',
        text: ':warning: I could not start your journey map just now. Please try again in a minute.',
      });
      return;
    }
    const text = `:world_map: Building your journey map for *${escapeMrkdwn(subject.slice(0, 200))}*… it usually takes under a minute.`;
    await ack({ response_type: 'ephemeral', text });
    observeAck(deps.metrics, context, 'command');
  });
}
