import type { App } from '@slack/bolt';
import { z } from 'zod';
import { ActionTs, ChannelId, REQUEST_TEXT_MAX, SlackTs, UserId } from '../../contracts/jobs.js';
import { requestReactionKind, requestsOn, tracksRequests } from '../../domain/request-policy.js';
import { REQUEST_ACTIONS, parseRequestActionValue } from '../../render/request-blocks.js';
import type { SlackAdapterDeps } from '../deps.js';
import { observeAck, receivedEpoch } from '../received.js';
import { clickedBy, messageClick, onClick } from '../click.js';
import { fromAPerson, inAChannel, IncomingMessage } from '../message-events.js';

/** docs.slack.dev/reference/events/message/message_changed: the message as it is now, under `message`. */
const Changed = z.object({
  subtype: z.literal('message_changed'),
  channel: ChannelId,
  event_ts: SlackTs,
  message: z.object({
    ts: SlackTs,
    user: UserId.optional(),
    bot_id: z.string().optional(),
    text: z.string().optional(),
    /** A thread's parent deleted while it has replies stays as a `tombstone`: for requests, a deletion. */
    subtype: z.string().optional(),
  }),
});

/** docs.slack.dev/reference/events/message/message_deleted: `deleted_ts` names the message that is gone. */
const Deleted = z.object({
  subtype: z.literal('message_deleted'),
  channel: ChannelId,
  deleted_ts: SlackTs,
  event_ts: SlackTs,
});

const ReactionAdded = z.object({
  user: UserId,
  reaction: z.string().min(1),
  item: z.object({ type: z.literal('message'), channel: ChannelId, ts: SlackTs }),
  event_ts: SlackTs,
});

/** A card button's value, `<request id>` (Take it, Resolve) or `<request id>|<priority>` (a menu option). */
const CardValue = z
  .string()
  .transform(
    (v, ctx) =>
      parseRequestActionValue(v) ?? (ctx.addIssue({ code: 'custom', message: 'not a request card value' }), z.NEVER),
  );
const ButtonClick = messageClick(z.object({ value: CardValue, action_ts: ActionTs }));
/** docs.slack.dev/reference/interaction-payloads/block_actions-payload: a static_select's choice is `selected_option`. */
const SelectClick = messageClick(z.object({ selected_option: z.object({ value: CardValue }), action_ts: ActionTs }));

const cut = (text: string | undefined) => (text ?? '').slice(0, REQUEST_TEXT_MAX);

/**
 * Customer requests (`requests:`): in the channels it names, people's messages, their edits and deletions, the
 * configured reactions and clicks on the triage cards are queued as request jobs, which decide what they mean
 * (whether the author is a customer, whether it is a request). Our own team's top-level messages never open one
 * and are dropped here. Nothing is said in the channel and no reaction is added: the customer sees nothing.
 */
export function registerRequestListeners(app: App, deps: SlackAdapterDeps): void {
  const cfg = deps.settings.workspace.requests;
  if (!requestsOn(cfg)) return;
  const tracked = (channel: string) => tracksRequests(cfg.channels, channel);

  app.event('message', async ({ event, context }) => {
    const raw = event as unknown as Record<string, unknown>;
    if (raw.subtype === 'message_changed') {
      const e = Changed.safeParse(raw);
      if (!e.success || !tracked(e.data.channel)) return;
      if (e.data.message.subtype === 'tombstone') {
        await deps.enqueue('request-delete', {
          channel: e.data.channel,
          ts: e.data.message.ts,
          eventTs: e.data.event_ts,
        });
        return;
      }
      if (!e.data.message.user || e.data.message.bot_id) return;
      await deps.enqueue('request-edit', {
        channel: e.data.channel,
        ts: e.data.message.ts,
        text: cut(e.data.message.text),
        eventTs: e.data.event_ts,
      });
      return;
    }
    if (raw.subtype === 'message_deleted') {
      const e = Deleted.safeParse(raw);
      if (!e.success || !tracked(e.data.channel)) return;
      await deps.enqueue('request-delete', {
        channel: e.data.channel,
        ts: e.data.deleted_ts,
        eventTs: e.data.event_ts,
      });
      return;
    }
    const m = IncomingMessage.safeParse(raw);
    // Bots (LUNA included) never open a request nor answer one.
    if (!m.success || !inAChannel(m.data) || !tracked(m.data.channel) || !fromAPerson(m.data, context)) return;
    const e = m.data;
    const reply = e.thread_ts !== undefined && e.thread_ts !== e.ts;
    const authorTeam = e.user_team ?? e.team;
    if (!reply && (cfg.detection === 'reaction' || (authorTeam !== undefined && authorTeam === context.teamId))) return;
    await deps.enqueue(reply ? 'request-reply' : 'request-message', {
      channel: e.channel,
      ts: e.ts,
      threadTs: e.thread_ts ?? e.ts,
      userId: e.user!, // fromAPerson: a person's message names its author
      ...(e.user_team ? { userTeam: e.user_team } : {}),
      text: cut(e.text),
      receivedAt: receivedEpoch(context),
    });
    observeAck(deps.metrics, context, reply ? 'request_reply' : 'request_message');
  });

  app.event('reaction_added', async ({ event }) => {
    const e = ReactionAdded.safeParse(event);
    if (!e.success || !tracked(e.data.item.channel)) return;
    const kind = requestReactionKind(cfg, deps.settings.workspace.csat.resolvedReaction, e.data.reaction);
    if (!kind) return;
    await deps.enqueue('request-reaction', {
      channel: e.data.item.channel,
      ts: e.data.item.ts,
      userId: e.data.user,
      kind,
      eventTs: e.data.event_ts,
    });
  });

  for (const action of ['take', 'resolve'] as const) {
    onClick(app, deps, {
      actionId: REQUEST_ACTIONS[action],
      schema: ButtonClick,
      what: 'request card',
      surface: `request_${action}`,
      queue: async (click) => {
        const button = click.actions[0]!;
        await deps.enqueue('request-action', {
          requestId: button.value.id,
          action,
          ...clickedBy(click),
          actionTs: button.action_ts,
        });
      },
    });
  }

  onClick(app, deps, {
    actionId: REQUEST_ACTIONS.priority,
    schema: SelectClick,
    what: 'request priority',
    surface: 'request_priority',
    queue: async (click) => {
      const choice = click.actions[0]!;
      const { id, priority } = choice.selected_option.value;
      // A menu option always names its priority; one without is not LUNA's.
      if (!priority) return void deps.log.warn('ignored a request priority choice without a priority');
      await deps.enqueue('request-action', {
        requestId: id,
        action: 'priority',
        priority,
        ...clickedBy(click),
        actionTs: choice.action_ts,
      });
    },
  });
}
