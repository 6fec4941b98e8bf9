import {
  App,
  HTTPReceiver,
  type AppOptions,
  type AuthorizeResult,
  type Receiver,
  type ReceiverEvent,
} from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { RequestListener } from 'node:http';
import { toBoltLogger, type Logger } from '../infra/log.js';
import type { SlackAdapterDeps } from './deps.js';
import { registerChannelListeners } from './listeners/channels.js';
import { registerCsatListeners } from './listeners/csat.js';
import { registerDigestListeners } from './listeners/digest.js';
import { registerDraftListeners } from './listeners/drafts.js';
import { registerEscalationListeners } from './listeners/escalation.js';
import { registerFeedbackListeners } from './listeners/feedback.js';
import { registerHomeListeners } from './listeners/home.js';
import { registerJourneyMapCommand } from './listeners/journey-map.js';
import { registerMessageListeners } from './listeners/messages.js';
import { gateRequests, requestKind, requestTarget, shapeOf, unroutable } from './guard.js';
import { registerSignalListeners } from './listeners/signals.js';
import { registerRequestListeners } from './listeners/requests.js';
import { stampReceived } from './received.js';
import { DeferredAckSocketModeReceiver } from './socket-receiver.js';

export type { SlackAdapterDeps } from './deps.js';

export interface SlackAdapter {
  app: App;
  /** HTTP mode: Bolt's listener for POST /slack/events, mounted on LUNA's own server. */
  requestListener?: RequestListener;
  socketMode: boolean;
}

/**
 * The Bolt app: receivers and listeners only. Every listener parses, enqueues and returns; the HTTP
 * response (the ack) is sent once the job is durably in Redis (`processBeforeResponse`), so a crash
 * between ack and enqueue cannot lose an event — Slack redelivers anything we did not ack.
 */
export function createSlackAdapter(deps: SlackAdapterDeps): SlackAdapter {
  const { env } = deps.settings;
  const logger = toBoltLogger(deps.log, env.LOG_LEVEL);
  // Stamped the moment a request arrives, so ack latency covers everything LUNA does before answering.
  const customPropertiesExtractor = stampReceived;

  let receiver: Receiver;
  let requestListener: RequestListener | undefined;
  if (deps.settings.socketMode) {
    // Bolt's own SocketModeReceiver acks events before the listeners enqueue; this one acks after.
    receiver = new DeferredAckSocketModeReceiver({
      appToken: env.SLACK_APP_TOKEN!,
      logger,
      customPropertiesExtractor,
      installerOptions: { clientOptions: deps.clientOptions },
    });
  } else {
    const http = new HTTPReceiver({
      signingSecret: env.SLACK_SIGNING_SECRET!,
      processBeforeResponse: true,
      customPropertiesExtractor,
      logger,
    });
    receiver = http;
    // Bolt verifies and refuses stale requests itself; in front of it go future-dated ones and bodies it would choke on.
    requestListener = gateRequests(http.requestListener, { signingSecret: env.SLACK_SIGNING_SECRET!, log: deps.log });
  }

  const app = new GuardedApp(
    {
      authorize: botAuthorization(new WebClient(env.SLACK_BOT_TOKEN, deps.clientOptions)),
      receiver,
      logger,
      clientOptions: deps.clientOptions,
      ignoreSelf: true,
      // Bolt's conversation store (context.conversation) is used by no listener: one middleware less per request.
      convoStore: false,
    },
    deps.log,
  );
  registerMessageListeners(app, deps);
  registerEscalationListeners(app, deps);
  registerDigestListeners(app, deps);
  registerChannelListeners(app, deps);
  registerDraftListeners(app, deps);
  registerJourneyMapCommand(app, deps);
  registerHomeListeners(app, deps);
  registerSignalListeners(app, deps);
  registerCsatListeners(app, deps);
  registerFeedbackListeners(app, deps);
  registerRequestListeners(app, deps);
  app.error((err) => {
    deps.log.error('slack listener failed', { err });
    return Promise.reject(err); // Bolt answers 500, so Slack redelivers the event later.
  });
  return { app, requestListener, socketMode: deps.settings.socketMode };
}

/**
 * Who LUNA is in Slack, for every request (Bolt's `ignoreSelf` needs the bot's ids). Bolt's own token check
 * runs auth.test once at start-up and keeps its result: if Slack is unreachable then, that rejection goes
 * unhandled and every later request fails with it. This one asks on the first request, keeps a success,
 * and asks again after a failure (that request gets a 500, so Slack redelivers it).
 */
function botAuthorization(client: WebClient): () => Promise<AuthorizeResult> {
  let known: Promise<AuthorizeResult> | undefined;
  return () =>
    (known ??= client.auth.test().then(
      (me) => ({ botToken: client.token!, botId: me.bot_id, botUserId: me.user_id, teamId: me.team_id }),
      (err: unknown) => {
        known = undefined;
        throw err;
      },
    ));
}

/**
 * Bolt, with the gate's routing check in front (guard.ts) and a catch-all behind. A signed request it cannot route
 * is answered 200 before any of Bolt runs: Bolt itself throws on a click without a user or a list of actions,
 * LUNA's listeners on an event without a channel, and a 500 only makes Slack redeliver the same payload for
 * hours. A request no listener answered (a button an upgrade renamed, a shortcut or view LUNA does not have) is
 * acked as soon as the listeners are done, instead of Bolt's 404 three seconds later: the click shows nothing
 * broken. Both receivers (HTTP and Socket Mode) hand every request to `processEvent`, after verifying it.
 */
class GuardedApp extends App {
  constructor(
    options: AppOptions,
    private readonly log: Logger,
  ) {
    super(options);
  }

  override async processEvent(event: ReceiverEvent): Promise<void> {
    const reason = unroutable(event.body);
    if (reason !== undefined) {
      this.log.warn('ignored a Slack request LUNA cannot route', {
        reason,
        kind: requestKind(event.body),
        shape: shapeOf(event.body),
      });
      await event.ack();
      return;
    }
    let acked = false;
    const ack: ReceiverEvent['ack'] = (response) => {
      acked = true;
      return event.ack(response);
    };
    await super.processEvent({ ...event, ack });
    if (acked) return;
    this.log.debug('acked a Slack request no listener handles', {
      kind: requestKind(event.body),
      target: requestTarget(event.body),
    });
    await event.ack();
  }
}
