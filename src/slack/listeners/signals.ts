import type { App } from '@slack/bolt';
import { readsSignals } from '../../domain/accounts.js';
import type { SlackAdapterDeps } from '../deps.js';
import { observeAck, receivedEpoch } from '../received.js';
import { fromAPerson, inAChannel, IncomingMessage } from '../message-events.js';

/**
 * Signals: in the channels `signals.channels` names, every person's message (mentioning LUNA or not) is
 * queued as a `signal-message` job, which keeps it only when its author is the customer. Messages of LUNA's
 * own team's members in a channel no config calls a customer channel are dropped here already, without a
 * job. Nothing is said in the channel and no reaction is added: the customer sees nothing.
 */
export function registerSignalListeners(app: App, deps: SlackAdapterDeps): void {
  const { signals, customerChannels } = deps.settings.workspace;
  if (signals.channels === 'none' || (Array.isArray(signals.channels) && signals.channels.length === 0)) return;
  app.message(async ({ message, context }) => {
    const m = IncomingMessage.safeParse(message);
    if (!m.success || !inAChannel(m.data) || !readsSignals(signals.channels, m.data.channel)) return;
    const e = m.data;
    if (!fromAPerson(e, context)) return;
    const authorTeam = e.user_team ?? e.team;
    if (
      authorTeam !== undefined &&
      authorTeam === context.teamId &&
      customerChannels.channels[e.channel] !== 'customer'
    )
      return;
    await deps.enqueue('signal-message', {
      channel: e.channel,
      ts: e.ts,
      threadTs: e.thread_ts ?? e.ts,
      userId: e.user!,
      ...(e.user_team ? { userTeam: e.user_team } : {}),
      receivedAt: receivedEpoch(context),
    });
    observeAck(deps.metrics, context, 'signal_message');
  });
}
