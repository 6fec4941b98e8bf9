import { ownersFor } from '../domain/escalation.js';
import { slackErrorCode } from '../slack-api/errors.js';
import type { JobContext } from '../contracts/job-context.js';

// Who may press LUNA's buttons. Jobs ask here before a click changes anything: escalation buttons are for
// the area's owners and the fallback, Done buttons for the workspace's own people, and nobody of another
// organisation can change anything LUNA tracks.

/** User-group look-ups that no retry fixes: the group is gone, or LUNA may not read it. It grants nobody. */
const UNREADABLE_GROUP = new Set(['no_such_subteam', 'subteam_not_found', 'missing_scope', 'invalid_arguments']);

/**
 * Whether this person may handle an escalation of `area`: one of its owners or the fallback as
 * luna.config.yml names them now (user groups expanded, cached for minutes), and one of ours.
 */
export async function mayHandleEscalation(
  ctx: JobContext,
  area: string,
  userId: string,
  userTeamId?: string,
): Promise<boolean> {
  const esc = ctx.settings.workspace.escalation;
  if (!esc) return false;
  if (await ctx.directory.isExternal(userId, userTeamId)) return false;
  return (await members(ctx, [...ownersFor(esc, area), ...esc.fallback])).has(userId);
}

/** Users and user groups as user ids; a group Slack will not expand is logged and grants nobody. */
async function members(ctx: JobContext, ids: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const id of new Set(ids)) {
    try {
      for (const user of await ctx.directory.expand([id])) out.add(user);
    } catch (err) {
      const code = slackErrorCode(err);
      if (code === undefined || !UNREADABLE_GROUP.has(code)) throw err;
      ctx.log.warn('a configured user group could not be expanded; its members cannot press owner buttons', {
        group: id,
        slackError: code,
      });
    }
  }
  return out;
}
