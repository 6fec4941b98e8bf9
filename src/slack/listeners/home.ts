import type { App, Context } from '@slack/bolt';
import { z } from 'zod';
import { ChannelId, UserId, type HomePayload } from '../../contracts/jobs.js';
import { HOME_REFRESH_ACTION } from '../../render/home-blocks.js';
import type { SlackAdapterDeps } from '../deps.js';
import { issuesOf } from '../guard.js';
import { observeAck } from '../received.js';

/** The fields of Slack's payloads these listeners use; anything else in them is ignored. */
const HomeOpened = z.object({ user: UserId, tab: z.string().optional(), channel: ChannelId.optional() });
const RefreshClick = z.object({ user: z.object({ id: UserId }) });

/**
 * Opening the Home tab, and its Refresh button, enqueue a `home` job and return: publishing needs Redis
 * reads and sometimes a chart upload, which must not hold up the ack. The job id is the user and a few
 * seconds' window, so a burst of opens or clicks is one publish. Opening the Messages tab (the DM with LUNA;
 * in Slack's agent view this replaces `assistant_thread_started`) queues the suggested prompts instead.
 */
export function registerHomeListeners(app: App, deps: SlackAdapterDeps): void {
  app.event('app_home_opened', async ({ event, context }) => {
    const e = HomeOpened.safeParse(event);
    if (!e.success) return deps.log.warn('ignored a malformed app_home_opened event', { issues: issuesOf(e.error) });
    if (e.data.tab === 'messages') {
      if (!e.data.channel) return deps.log.warn('ignored a Messages tab opening without its channel');
      await deps.enqueue('messages-opened', { userId: e.data.user, channel: e.data.channel });
      observeAck(deps.metrics, context, 'messages_opened');
      return;
    }
    if (e.data.tab !== undefined && e.data.tab !== 'home') return;
    await enqueue(deps, { userId: e.data.user, reason: 'opened' }, context);
  });

  app.action({ action_id: HOME_REFRESH_ACTION, type: 'block_actions' }, async ({ body, ack, context }) => {
    const click = RefreshClick.safeParse(body);
    if (click.success) await enqueue(deps, { userId: click.data.user.id, reason: 'refresh' }, context);
    else deps.log.warn('ignored a malformed Home refresh click');
    await ack();
  });
}

async function enqueue(deps: SlackAdapterDeps, payload: HomePayload, context: Context): Promise<void> {
  await deps.enqueue('home', payload);
  observeAck(deps.metrics, context, `home_${payload.reason}`);
}
