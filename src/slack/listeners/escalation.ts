import type { App } from '@slack/bolt';
import { z } from 'zod';
import { ActionTs, RecordId } from '../../contracts/jobs.js';
import { ESCALATION_ACTIONS } from '../../render/escalation-blocks.js';
import type { SlackAdapterDeps } from '../deps.js';
import { clickedBy, messageClick, onClick } from '../click.js';

const ACTION_STATUS = {
  [ESCALATION_ACTIONS.acknowledge]: 'acknowledged',
  [ESCALATION_ACTIONS.take]: 'taken',
  [ESCALATION_ACTIONS.notStrategic]: 'not_strategic',
} as const;

/**
 * The fields of a button click this listener uses; the button's value is the escalation's id. The channel
 * and message go along so the job can check the click came from that escalation's own post.
 */
const EscalationClick = messageClick(z.object({ value: RecordId, action_ts: ActionTs }));

/**
 * Acknowledge / I'll take it / Not strategic: ack at once, let a job check who clicked where and update
 * the post. A click whose payload does not parse (no user, no message, a forged value) is acked and
 * ignored: it is never queued.
 */
export function registerEscalationListeners(app: App, deps: SlackAdapterDeps): void {
  for (const [actionId, action] of Object.entries(ACTION_STATUS)) {
    onClick(app, deps, {
      actionId,
      schema: EscalationClick,
      what: 'escalation button',
      surface: 'escalation_action',
      queue: async (click) => {
        const button = click.actions[0]!;
        await deps.enqueue('escalation-action', {
          id: button.value,
          action,
          ...clickedBy(click),
          at: Date.now(),
          actionTs: button.action_ts,
        });
      },
    });
  }
}
