import type { App } from '@slack/bolt';
import { z } from 'zod';
import { ActionTs, RecordId } from '../../contracts/jobs.js';
import { DRAFT_ACTIONS } from '../../render/draft-blocks.js';
import type { SlackAdapterDeps } from '../deps.js';
import { observeAck } from '../received.js';
import { messageClick } from './click.js';

/** The fields of a draft button click this listener uses: who, from which message, which draft. */
const DraftClick = messageClick(z.object({ value: RecordId, action_ts: ActionTs }));

/** Post in thread / Discard on a private draft: parse, queue, ack. A click that does not parse is acked and dropped. */
export function registerDraftListeners(app: App, deps: SlackAdapterDeps): void {
  for (const [action, actionId] of Object.entries(DRAFT_ACTIONS) as Array<[keyof typeof DRAFT_ACTIONS, string]>) {
    app.action({ action_id: actionId, type: 'block_actions' }, async ({ body, ack, context }) => {
      const click = DraftClick.safeParse(body);
      if (click.success) {
        const button = click.data.actions[0]!;
        await deps.enqueue('draft-action', {
          draftId: button.value,
          action,
          userId: click.data.user.id,
          channel: click.data.channel.id,
          messageTs: click.data.message.ts,
          actionTs: button.action_ts,
        });
      } else {
        deps.log.warn('ignored a malformed draft button click', { action, issues: click.error.issues.slice(0, 3) });
      }
      await ack();
      observeAck(deps.metrics, context, `draft_${action}`);
    });
  }
}
