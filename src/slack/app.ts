import { App, HTTPReceiver, type Receiver } from '@slack/bolt';
import type { RequestListener } from 'node:http';
import { toBoltLogger } from '../infra/log.js';
import type { SlackAdapterDeps } from './deps.js';
import { registerChannelListeners } from './listeners/channels.js';
import { registerCsatListeners } from './listeners/csat.js';
import { registerDigestListeners } from './listeners/digest.js';
import { registerDraftListeners } from './listeners/drafts.js';
import { registerEscalationListeners } from './listeners/escalation.js';
import { registerHomeListeners } from './listeners/home.js';
import { registerJourneyMapCommand } from './listeners/journey-map.js';
import { registerMessageListeners } from './listeners/messages.js';
import { registerSignalListeners } from './listeners/signals.js';
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
    requestListener = http.requestListener;
  }

  const app = new App({
    token: env.SLACK_BOT_TOKEN!,
    receiver,
    logger,
    clientOptions: deps.clientOptions,
    ignoreSelf: true,
  });
  registerMessageListeners(app, deps);
  registerEscalationListeners(app, deps);
  registerDigestListeners(app, deps);
  registerChannelListeners(app, deps);
  registerDraftListeners(app, deps);
  registerJourneyMapCommand(app, deps);
  registerHomeListeners(app, deps);
  registerSignalListeners(app, deps);
  registerCsatListeners(app, deps);
  app.error((err) => {
    deps.log.error('slack listener failed', { err });
    return Promise.reject(err); // Bolt answers 500, so Slack redelivers the event later.
  });
  return { app, requestListener, socketMode: deps.settings.socketMode };
}
