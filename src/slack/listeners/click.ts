import { z } from 'zod';
import { ChannelId, SlackTs, TeamId, UserId } from '../../contracts/jobs.js';

/**
 * A button click on a message LUNA posted (Slack's block_actions payload), with the fields the listeners use:
 * who clicked (and their team, to tell another organisation's members apart), on which message, and `action`.
 */
export function messageClick<A extends z.ZodType>(action: A) {
  return z.object({
    user: z.object({ id: UserId, team_id: TeamId.optional() }),
    channel: z.object({ id: ChannelId }),
    message: z.object({ ts: SlackTs }),
    actions: z.array(action).min(1),
  });
}

/** Who clicked and where, as the jobs that check a click take it (`userTeamId` only when Slack sent one). */
export function clickedBy(click: { user: { id: string; team_id?: string | undefined }; channel: { id: string }; message: { ts: string } }): {
  userId: string;
  userTeamId?: string;
  channel: string;
  messageTs: string;
} {
  return {
    userId: click.user.id,
    ...(click.user.team_id ? { userTeamId: click.user.team_id } : {}),
    channel: click.channel.id,
    messageTs: click.message.ts,
  };
}
