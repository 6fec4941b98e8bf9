import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { JOB_NAMES } from '../../contracts/jobs.js';
import { ESCALATION_ACTIONS } from '../../render/escalation-blocks.js';
import type { SlackAdapterDeps } from '../app.js';

const ACTION_STATUS = {
  [ESCALATION_ACTIONS.acknowledge]: 'acknowledged',
  [ESCALATION_ACTIONS.take]: 'taken',
  [ESCALATION_ACTIONS.notStrategic]: 'not_strategic',
} as const;

/** Acknowledge / I'll take it / Not strategic: ack at once, let a job update the post. */
export function registerEscalationListeners(app: App, deps: SlackAdapterDeps): void {
  for (const [actionId, action] of Object.entries(ACTION_STATUS)) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action: button }) => {
      const at = Date.now();
      await deps.enqueue(
        JOB_NAMES.escalationAction,
        { id: button.value, action, userId: body.user.id, at },
        { jobId: `escalation-action-${button.value}-${action}-${body.user.id}-${button.action_ts}` },
      );
      await ack();
    });
  }
}
