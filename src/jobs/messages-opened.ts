import type { JobContext, LunaJob } from '../contracts/job-context.js';
import { DEFAULT_SUGGESTED_PROMPTS } from '../personas/prompts.js';

/**
 * Someone opened the DM with LUNA (the Messages tab; in Slack's agent view this replaces
 * `assistant_thread_started`): LUNA offers its persona's suggested prompts — the frontmatter's
 * `suggestedPrompts`, a chatmode file's "Example Prompts", else the app manifest's. Agent apps set them for
 * the DM itself: with `thread_ts` (the legacy assistant experience) Slack would silently show nothing. Not
 * for people of another organisation: the prompts are the team's work.
 */
export async function messagesOpenedJob(
  job: LunaJob<'messages-opened'>,
  ctx: JobContext,
): Promise<{ prompts: number }> {
  const p = job.data;
  if (await ctx.directory.isExternal(p.userId)) return { prompts: 0 };
  const prompts = ctx.settings.persona.suggestedPrompts ?? DEFAULT_SUGGESTED_PROMPTS;
  await ctx.slack.assistant.threads.setSuggestedPrompts({
    channel_id: p.channel,
    title: 'Try asking me',
    prompts: prompts.map(({ title, message }) => ({ title, message })),
  });
  return { prompts: prompts.length };
}
