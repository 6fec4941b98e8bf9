import type { App } from '@slack/bolt';
import { z } from 'zod';
import { ActionTs, RecordId } from '../../contracts/jobs.js';
import { DRAFT_ACTIONS } from '../../render/draft-blocks.js';
import type { SlackAdapterDeps } from '../deps.js';
import { messageClick, onClick } from '../click.js';

/** The fields of a draft button click this listener uses: who, from which message, which draft. */
const DraftClick = messageClick(z.object({ value: RecordId, action_ts: ActionTs }));

/** Post in thread / Discard on a private draft: parse, queue, ack. A click that does not parse is acked and dropped. */
export function registerDraftListeners(app: App, deps: SlackAdapterDeps): void {
  for (const [action, actionId] of Object.entries(DRAFT_ACTIONS) as Array<[keyof typeof DRAFT_ACTIONS, string]>) {
    onClick(app, deps, {
      actionId,
      schema: DraftClick,
      what: 'draft button',
      surface: `draft_${action}`,
      queue: async (click) => {
        const button = click.actions[0]!;
        await deps.enqueue('draft-action', {
          draftId: button.value,
          action,
          userId: click.user.id,
          channel: click.channel.id,
          messageTs: click.message.ts,
          actionTs: button.action_ts,
        });
      },
    });
  }
}
