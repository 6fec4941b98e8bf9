import { defaultProcessEventErrorHandler, SocketModeReceiver, type App, type Receiver, type ReceiverEvent, type SocketModeReceiverOptions } from '@slack/bolt';

/** What `@slack/socket-mode` hands its `slack_event` listeners: one envelope and the function that acks it. */
interface SocketEnvelope {
  ack: (response?: unknown) => Promise<void>;
  body: ReceiverEvent['body'];
  retry_num?: number;
  retry_reason?: string;
}

/**
 * Bolt's SocketModeReceiver acks an Events API envelope before any listener runs, so an event whose
 * enqueue then fails (Redis away, process killed) is acked and lost. This one holds every ack until the
 * listeners have finished — HTTP mode's `processBeforeResponse`, over the socket: Slack redelivers
 * whatever we did not ack, and the job id turns a redelivery into the same job.
 */
export class DeferredAckSocketModeReceiver implements Receiver {
  private readonly inner: SocketModeReceiver;
  private app: App | undefined;

  constructor(private readonly opts: SocketModeReceiverOptions & Required<Pick<SocketModeReceiverOptions, 'logger'>>) {
    this.inner = new SocketModeReceiver(opts);
    this.inner.client.removeAllListeners('slack_event');
    this.inner.client.on('slack_event', (envelope: SocketEnvelope) => void this.dispatch(envelope));
  }

  init(app: App): void {
    this.app = app;
    this.inner.init(app);
  }

  start(): ReturnType<SocketModeReceiver['start']> {
    return this.inner.start();
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  private async dispatch(envelope: SocketEnvelope): Promise<void> {
    const { logger } = this.opts;
    let acked = false;
    let response: unknown;
    const event: ReceiverEvent = {
      body: envelope.body,
      ack: (r?: unknown) => {
        if (!acked) {
          acked = true;
          response = r; // sent once the listeners are done (commands and interactions may answer in the ack)
        }
        return Promise.resolve();
      },
      ...(envelope.retry_num !== undefined ? { retryNum: envelope.retry_num } : {}),
      ...(envelope.retry_reason !== undefined ? { retryReason: envelope.retry_reason } : {}),
      customProperties: this.opts.customPropertiesExtractor?.(envelope) ?? {},
    };
    try {
      await this.app!.processEvent(event);
    } catch (error) {
      // Like HTTP mode's 500: no ack, so Slack redelivers — unless Bolt says retrying cannot help.
      acked = await defaultProcessEventErrorHandler({ error: error as Error, logger, event });
      response = undefined;
    }
    if (!acked) return;
    await envelope.ack(response).catch((err: unknown) => logger.warn(`Socket Mode ack failed; Slack will redeliver: ${String(err)}`));
  }
}
