import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import { randomId } from './http-util.js';
import type { SlackResult } from './slack-types.js';

/**
 * Slack's Socket Mode side of the fake: `apps.connections.open` mints a single-use ticket URL on the fake's
 * own port; a client that upgrades there gets `hello`, then whatever envelopes the test pushes, and must ack
 * each by sending back `{ envelope_id, payload? }` — the same contract `@slack/socket-mode` speaks to Slack.
 */

/** A frame's payload as text. ws hands it over as a Buffer (its default binaryType); the other RawData forms are decoded too. */
export function frameText(data: RawData): string {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
  return bytes.toString('utf8');
}

/** What a client sends back for an envelope; Slack reads nothing else from it. */
const AckSchema = z.looseObject({
  envelope_id: z.string().min(1),
  payload: z.record(z.string(), z.unknown()).optional(),
});

export type SocketAck = z.infer<typeof AckSchema> & {
  at: number;
  /** Milliseconds from pushing the envelope to receiving its ack; undefined for an id the fake never sent. */
  ms?: number;
};

export interface NewEnvelope {
  type: 'events_api' | 'interactive' | 'slash_commands';
  /** What Slack sends is an object; tests of malformed envelopes send anything. */
  payload: unknown;
  envelope_id?: string;
  /** @defaultValue false for events_api, true otherwise (Slack lets commands and interactions answer in the ack) */
  accepts_response_payload?: boolean;
  /** @defaultValue 0 */
  retry_attempt?: number;
  /** @defaultValue '' (Slack sends e.g. 'timeout' on a redelivery) */
  retry_reason?: string;
}

export interface SocketOptions {
  origin: string;
  appId: string;
  /** The only app-level token `apps.connections.open` accepts. */
  appToken: string;
  onError: (err: unknown) => void;
}

/** Slack refreshes a connection after about five hours and says so in `hello`. */
const CONNECTION_SECONDS = 18_060;

export class FakeSlackSocket {
  /** Every ack received, in order (duplicates and unknown ids included, as Slack would see them). */
  readonly acks: SocketAck[] = [];
  /** Connections that completed the upgrade and got `hello`, ever. */
  connectionsOpened = 0;
  /** Pings received from clients (the fake pongs each, as Slack does). */
  pings = 0;

  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly open = new Set<WebSocket>();
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<
    string,
    { sentAt: number; resolve: (a: SocketAck) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();

  constructor(
    private readonly server: Server,
    private readonly opts: SocketOptions,
  ) {
    server.on('upgrade', this.onUpgrade);
  }

  /** Open connections right now. */
  get connections(): number {
    return this.open.size;
  }

  /** `apps.connections.open`: Slack accepts only app-level tokens there. */
  authorize(token: string): SlackResult {
    if (!token.startsWith('xapp-')) return { ok: false, error: 'not_allowed_token_type' };
    if (token !== this.opts.appToken) return { ok: false, error: 'invalid_auth' };
    return { ok: true };
  }

  connectionsOpen(): SlackResult {
    const ticket = randomId('', 36, '0123456789abcdef');
    this.tickets.add(ticket);
    const ws = this.opts.origin.replace(/^http/, 'ws');
    return { ok: true, url: `${ws}/link/?ticket=${ticket}&app_id=${this.opts.appId}` };
  }

  async waitForConnection(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.open.size === 0) {
      if (Date.now() > deadline) throw new Error(`FakeSlackSocket: no client connected within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Pushes an envelope to the newest connection; resolves with the client's ack. Rejects when no ack comes
   * within `timeoutMs` (Slack's 3 s, after which it would redeliver).
   */
  send(envelope: NewEnvelope, timeoutMs = 3_000): Promise<SocketAck> {
    const socket = [...this.open].at(-1);
    if (!socket) return Promise.reject(new Error('FakeSlackSocket.send: no client is connected'));
    const id = envelope.envelope_id ?? crypto.randomUUID();
    if (this.pending.has(id))
      return Promise.reject(new Error(`FakeSlackSocket.send: envelope ${id} is already awaiting its ack`));
    const wire = {
      envelope_id: id,
      type: envelope.type,
      payload: envelope.payload,
      accepts_response_payload: envelope.accepts_response_payload ?? envelope.type !== 'events_api',
      retry_attempt: envelope.retry_attempt ?? 0,
      retry_reason: envelope.retry_reason ?? '',
    };
    return new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`FakeSlackSocket: envelope ${id} (${envelope.type}) was not acked within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { sentAt: performance.now(), resolve, reject, timer });
      socket.send(JSON.stringify(wire));
    });
  }

  /** Pushes a frame exactly as given (not even JSON, or no envelope) to the newest connection; nothing waits for an ack. */
  sendRaw(text: string): void {
    const socket = [...this.open].at(-1);
    if (!socket) throw new Error('FakeSlackSocket.sendRaw: no client is connected');
    socket.send(text);
  }

  /** Drops every connection at once (no close handshake) and stops accepting new ones. */
  close(): void {
    this.server.off('upgrade', this.onUpgrade);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('FakeSlackSocket closed before the ack'));
    }
    this.pending.clear();
    for (const ws of this.open) ws.terminate();
    this.open.clear();
    this.wss.close();
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const u = new URL(req.url ?? '/', this.opts.origin);
    const ticket = u.searchParams.get('ticket') ?? '';
    // Tickets are single-use: a reconnect has to call apps.connections.open again.
    if (u.pathname !== '/link/' || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  };

  private accept(ws: WebSocket): void {
    this.open.add(ws);
    this.connectionsOpened++;
    ws.on('ping', () => this.pings++);
    ws.on('message', (data, isBinary) => this.onMessage(isBinary ? null : frameText(data)));
    ws.on('close', () => this.open.delete(ws));
    ws.on('error', (err) => this.opts.onError(err));
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.open.size,
        debug_info: {
          host: `applink-fake-${this.connectionsOpened}`,
          build_number: 1,
          approximate_connection_time: CONNECTION_SECONDS,
        },
        connection_info: { app_id: this.opts.appId },
      }),
    );
  }

  private onMessage(text: string | null): void {
    let parsed: ReturnType<typeof AckSchema.safeParse>;
    try {
      parsed = AckSchema.safeParse(text === null ? null : JSON.parse(text));
    } catch {
      parsed = AckSchema.safeParse(null);
    }
    if (!parsed.success) {
      // Slack drops what it cannot read; the test hears about it through FakeSlack.errors.
      this.opts.onError(new Error(`FakeSlackSocket: unreadable message from client: ${text ?? '(binary)'}`));
      return;
    }
    const p = this.pending.get(parsed.data.envelope_id);
    const ack: SocketAck = { ...parsed.data, at: Date.now(), ...(p ? { ms: performance.now() - p.sentAt } : {}) };
    this.acks.push(ack);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(parsed.data.envelope_id);
    p.resolve(ack);
  }
}
