import type { App } from '@slack/bolt';
import { z } from 'zod';
import { ChannelId } from '../../contracts/jobs.js';
import type { SlackAdapterDeps } from '../deps.js';

const ChannelEvent = z.object({ channel: ChannelId });

/**
 * A channel shared with another organisation, or unshared: who can read it just changed, so the cached
 * audience is dropped and the next job asks Slack again. Every process shares that cache (Redis).
 */
export function registerChannelListeners(app: App, deps: SlackAdapterDeps): void {
  for (const type of ['channel_shared', 'channel_unshared'] as const) {
    app.event(type, async ({ event }) => {
      const e = ChannelEvent.safeParse(event);
      if (!e.success) {
        deps.log.warn(`ignored a ${type} event without a channel id`);
        return;
      }
      await deps.forgetAudience(e.data.channel);
      deps.log.info(`channel audience changed (${type}); it is read again from Slack`, { channel: e.data.channel });
    });
  }
}
