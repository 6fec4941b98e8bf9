import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenLoopback, randomId, readBody, sendJson, sleep } from './http-util.js';
import type { MethodContext, MethodHandler } from './slack-context.js';
import { chatMethods } from './slack-methods-chat.js';
import { connectMethods } from './slack-methods-connect.js';
import { miscMethods } from './slack-methods-misc.js';
import { readMethods } from './slack-methods-read.js';
import { streamMethods } from './slack-methods-stream.js';
import { FaultBook, sendFault } from './slack-faults.js';
import { parseSlackRequest } from './slack-request.js';
import { FakeSlackSocket } from './slack-socket.js';
import {
  SlackApiError,
  type ResponseUrlPost,
  type SlackCall,
  type SlackFault,
  type SlackResult,
  type SuggestedPrompts,
  type Upload,
} from './slack-types.js';
import { FakeWorkspace } from './slack-workspace.js';

export type {
  FakeChannel,
  FakeTeam,
  FakeUser,
  NewChannel,
  NewMessage,
  PostedVersion,
  SlackCall,
  SlackFault,
  SlackMessage,
  SuggestedPrompts,
  Upload,
  Usergroup,
} from './slack-types.js';
export type { SeenMessage, SharedChannelOptions } from './slack-workspace.js';
export type { ChannelSharedEvent, ChannelUnsharedEvent, ReactionAddedEvent, UserMessageEvent } from './slack-events.js';

const METHODS: Record<string, MethodHandler> = {
  ...readMethods,
  ...chatMethods,
  ...streamMethods,
  ...miscMethods,
  ...connectMethods,
};

export interface FakeSlackOptions {
  /** The only token the fake accepts. @defaultValue 'xoxb-test' */
  botToken?: string;
  /** The only app-level token `apps.connections.open` accepts (Socket Mode). @defaultValue 'xapp-test' */
  appToken?: string;
}

/**
 * A loopback Slack Web API for tests: real `WebClient`s point `slackApiUrl` at `url`. It keeps a small
 * workspace (channels, messages, users), validates like Slack, records every call, and injects faults.
 * A fault or a lost response never undoes a call the fake already applied — as with the real service.
 * Seeding and inspection helpers (Slack Connect included) come from FakeWorkspace (slack-workspace.ts).
 */
export class FakeSlack extends FakeWorkspace {
  readonly calls: SlackCall[] = [];
  readonly uploads = new Map<string, Upload>();
  /** assistant.threads.setStatus calls that succeeded. */
  readonly statuses: MethodContext['statuses'] = [];
  /** Published App Home views by user ID. */
  readonly views: MethodContext['views'] = new Map();
  /** POSTs to URLs minted by `responseUrl()` (slash-command / interactivity `response_url`). */
  readonly responseUrlPosts: ResponseUrlPost[] = [];
  /** Errors thrown inside the fake or a hook; a test can assert this stays empty. */
  readonly errors: unknown[] = [];
  /** Allow assistant.threads.setStatus outside IMs (Slack's behaviour since the 2026 chat:write change). */
  assistantStatusInChannels = false;
  /** assistant.threads.setSuggestedPrompts calls that succeeded (`shown` says whether Slack would display them). */
  readonly suggestedPrompts: SuggestedPrompts[] = [];
  /** The app uses `agent_view` (LUNA's manifest does); `false` emulates a legacy `assistant_view` app. */
  agentView = true;
  /** Channels where chat.startStream answers `channel_type_not_supported`. */
  readonly streamingRefused = new Set<string>();
  /** Methods this workspace does not offer: they answer `unknown_method`, as Slack does for a method it lacks. */
  readonly unavailableMethods = new Set<string>();

  readonly url: string;
  readonly origin: string;
  private readonly faults = new FaultBook();
  private readonly hooks: Array<{ method: string; fn: (call: SlackCall) => void | Promise<void> }> = [];
  /** Socket Mode: push envelopes to a connected client and read its acks. */
  readonly socket: FakeSlackSocket;

  private constructor(
    origin: string,
    private readonly botToken: string,
    private readonly server: Server,
    appToken: string,
  ) {
    super();
    this.origin = origin;
    this.url = `${origin}/api/`;
    this.socket = new FakeSlackSocket(server, {
      origin,
      appId: this.appId,
      appToken,
      onError: (err) => this.errors.push(err),
    });
  }

  static async start(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
    // Set right after listening, before the first request can be handled.
    let self: FakeSlack | undefined = undefined;
    const { server, origin } = await listenLoopback(
      (req, res) => self!.handle(req, res),
      (err) => self?.errors.push(err),
    );
    self = new FakeSlack(origin, opts.botToken ?? 'xoxb-test', server, opts.appToken ?? 'xapp-test');
    return self;
  }

  close(): Promise<void> {
    this.socket.close();
    return closeServer(this.server);
  }

  /** A `response_url` served by this fake; what the app POSTs there lands in `responseUrlPosts`. */
  responseUrl(): string {
    return `${this.origin}/respond/${randomId('', 12)}`;
  }

  // ── recording ──────────────────────────────────────────────────────────────────────────────────

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Forgets recorded calls; workspace state, faults and hooks stay. */
  reset(): void {
    this.calls.length = 0;
  }

  // ── fault injection ────────────────────────────────────────────────────────────────────────────

  /**
   * The next `times` calls to `method` (`'*'` = any method, `'upload'` = the upload URL) fail.
   * `applied: true` lets the call take effect before the failure is returned — a response lost in flight.
   */
  failNext(method: string, fault: SlackFault & { applied?: boolean }): void {
    this.faults.arm(method, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Every response for `method` (`'*'` = all) waits `ms` first; 0 removes the delay. */
  delay(method: string, ms: number): void {
    this.faults.setDelay(method, ms);
  }

  /** Runs before the fake applies and answers a call (`'*'` = every call). Returns an unsubscribe. */
  onCall(method: string, fn: (call: SlackCall) => void | Promise<void>): () => void {
    const hook = { method, fn };
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) {
        const recent =
          this.calls
            .slice(-10)
            .map((c) => c.method)
            .join(', ') || 'none';
        throw new Error(`FakeSlack.waitFor: ${what} not met within ${timeoutMs} ms (last calls: ${recent})`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits for a call to `method` matching `match`, and returns it. */
  async waitForCall(
    method: string,
    match: (c: SlackCall) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<SlackCall> {
    let found: SlackCall | undefined;
    await this.waitFor(
      () => (found = this.calls.find((c) => c.method === method && match(c))) !== undefined,
      timeoutMs,
      `a ${method} call`,
    );
    return found!;
  }

  // ── HTTP ───────────────────────────────────────────────────────────────────────────────────────

  private context(): MethodContext {
    return {
      store: this.store,
      origin: this.origin,
      uploads: this.uploads,
      ephemerals: this.ephemerals,
      usergroups: this.usergroups,
      views: this.views,
      statuses: this.statuses,
      assistantStatusInChannels: this.assistantStatusInChannels,
      suggestedPrompts: this.suggestedPrompts,
      agentView: this.agentView,
      streamingRefused: this.streamingRefused,
      socket: this.socket,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', this.origin);
    const raw = await readBody(req);
    if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: 'method_not_allowed' });
    if (u.pathname.startsWith('/upload/')) return this.handleUpload(u.pathname.slice(8), req, raw, res);
    if (u.pathname.startsWith('/respond/')) {
      const text = raw.toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Form-encoded or plain text bodies are recorded as-is.
      }
      this.responseUrlPosts.push({ id: u.pathname.slice(9), body, at: Date.now() });
      return sendJson(res, 200, { ok: true });
    }
    if (!u.pathname.startsWith('/api/')) return sendJson(res, 404, { ok: false, error: 'not_found' });

    const method = u.pathname.slice(5);
    const parsed = await parseSlackRequest(req.headers['content-type'], raw, u.searchParams);
    const call: SlackCall = { method, args: parsed.args, at: Date.now() };
    this.calls.push(call);
    for (const h of [...this.hooks]) if (h.method === method || h.method === '*') await h.fn(call);
    await sleep(this.faults.delayFor(method));

    const fault = this.faults.take(method);
    if (fault && !fault.applied) return sendFault(res, fault, call);
    let result: SlackResult;
    if (parsed.error) result = { ok: false, error: parsed.error };
    else {
      const token = req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? parsed.bodyToken;
      result = this.dispatch(method, token);
      if (result.ok) result = this.apply(method, parsed.args);
    }
    if (fault) return sendFault(res, fault, call);
    call.response = result;
    call.status = 200;
    sendJson(res, 200, result, { 'x-slack-req-id': randomId('', 32, '0123456789abcdef') });
  }

  /** Authentication and method lookup, in Slack's order (an unknown method wins over a bad token). */
  private dispatch(method: string, token: string | undefined): SlackResult {
    if (!METHODS[method] || this.unavailableMethods.has(method))
      return { ok: false, error: 'unknown_method', req_method: method };
    if (!token) return { ok: false, error: 'not_authed' };
    if (method === 'apps.connections.open') return this.socket.authorize(token);
    if (token !== this.botToken) return { ok: false, error: 'invalid_auth' };
    return { ok: true };
  }

  private apply(method: string, args: SlackCall['args']): SlackResult {
    try {
      return METHODS[method]!(this.context(), args);
    } catch (err) {
      if (err instanceof SlackApiError) return { ...err.extra, ok: false, error: err.error };
      throw err;
    }
  }

  private async handleUpload(fileId: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const fault = this.faults.take('upload');
    if (fault && !fault.applied) return sendFault(res, fault);
    const upload = this.uploads.get(fileId);
    if (!upload) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('file not found');
      return;
    }
    const ct = req.headers['content-type'] ?? '';
    let bytes = raw;
    if (ct.startsWith('multipart/form-data')) {
      // WebClient sends the bytes as a multipart file part; curl-style clients send them raw.
      const form = await new Response(raw, { headers: { 'content-type': ct } }).formData();
      const file = [...form.values()].find((v): v is File => typeof v !== 'string');
      bytes = file ? Buffer.from(await file.arrayBuffer()) : Buffer.alloc(0);
    }
    upload.bytes = bytes;
    upload.uploaded = true;
    if (fault) return sendFault(res, fault);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${bytes.length}`);
  }
}
