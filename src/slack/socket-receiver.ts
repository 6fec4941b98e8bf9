import {
  defaultProcessEventErrorHandler,
  SocketModeReceiver,
  type App,
  type Receiver,
  type ReceiverEvent,
  type SocketModeReceiverOptions,
} from '@slack/bolt';
import { withRequest } from '../infra/process-failures.js';
import { isObject, requestKind, shapeOf } from './guard.js';

/** What `@slack/socket-mode` hands its `slack_event` listeners: one envelope and the function that acks it. */
interface SocketEnvelope {
  ack: (response?: unknown) => Promise<void>;
  body: ReceiverEvent['body'];
  retry_num?: number;
  retry_reason?: string;
}

/**
 * A frame the Socket Mode client can read without throwing, or undefined for one to drop. A frame that is not a
 * JSON object names no envelope to ack: it is dropped and logged. An Events API envelope whose payload or event is
 * not an object is handed on under another type: the client then passes its payload on as it is, and the app's
 * gate acks it (so Slack does not redeliver it) and logs its shape.
 */
function sanitised(
  data: string | ArrayBuffer,
  logger: SocketModeReceiverOptions['logger'],
): string | ArrayBuffer | undefined {
  let message: unknown;
  try {
    message = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
  } catch {
    return data; // the client drops what is not JSON itself
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    logger?.warn(
      `ignored a Socket Mode frame that is not a JSON object (${message === null ? 'null' : Array.isArray(message) ? 'array' : typeof message})`,
    );
    return undefined;
  }
  const m = message as { type?: unknown; payload?: unknown };
  const event = isObject(m.payload) ? m.payload.event : undefined;
  if (m.type === 'events_api' && !isObject(event)) return JSON.stringify({ ...m, type: 'events_api_malformed' });
  return data;
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
    const client = this.inner.client;
    client.removeAllListeners('slack_event');
    client.on('slack_event', (envelope: SocketEnvelope) => void this.dispatch(envelope));
    // The client reads `message.type` and, for Events API envelopes, `payload.event.type` before anything of
    // ours runs, in a promise nobody awaits: a `null` frame or an envelope without its event would be an
    // unhandled rejection. Such frames go past it here (see `sanitised`).
    const reads = client.listeners('ws_message') as Array<(data: unknown, isBinary: boolean) => unknown>;
    client.removeAllListeners('ws_message');
    client.on('ws_message', (data: string | ArrayBuffer, isBinary: boolean) => {
      const frame = isBinary ? data : sanitised(data, opts.logger);
      if (frame === undefined) return;
      for (const read of reads) {
        Promise.resolve(read(frame, isBinary)).catch((err: unknown) =>
          opts.logger.warn(`Socket Mode could not read a frame: ${String(err)}`),
        );
      }
    });
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
      await withRequest(
        () => ({ kind: requestKind(envelope.body), shape: shapeOf(envelope.body) }),
        () => this.app!.processEvent(event),
      );
    } catch (error) {
      // Like HTTP mode's 500: no ack, so Slack redelivers — unless Bolt says retrying cannot help.
      acked = await defaultProcessEventErrorHandler({ error: error as Error, logger, event });
      response = undefined;
    }
    if (!acked) return;
    await envelope
      .ack(response)
      .catch((err: unknown) => logger.warn(`Socket Mode ack failed; Slack will redeliver: ${String(err)}`));
  }
}
