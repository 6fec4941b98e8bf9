import { HTTPModuleFunctions, isValidSlackRequest, type BufferedIncomingMessage } from '@slack/bolt';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../infra/log.js';
import { withRequest } from '../infra/process-failures.js';

// The gate in front of Bolt. Bolt verifies every request (signature, age) and then trusts its body: a signed
// `null` threw inside its receiver and took LUNA down, a click whose `actions` is not a list or whose
// `action_id` is null made it throw before any listener ran. Here, after the same verification:
// - a request dated in the future is refused like a stale one (401);
// - a body that is not a JSON object (or a form whose `payload` is not one) is refused (400);
// - a request Bolt or LUNA could not route is answered 200 and logged once, with its shape and never its text
//   (`unroutable`, checked for HTTP and Socket Mode alike): a 500 only makes Slack deliver it again and again.
// Everything else reaches Bolt exactly as it came, and Bolt still verifies it itself. (Just over 250 lines: the
// gate and the shapes it describes in its one warning belong together.)

/** Bolt's own limit for a stale request; the same skew is allowed the other way. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

export interface GateOptions {
  signingSecret: string;
  log: Logger;
  now?: () => number;
}

/** Wraps Bolt's HTTP request listener (POST /slack/events). */
export function gateRequests(inner: RequestListener, o: GateOptions): RequestListener {
  const now = o.now ?? Date.now;
  return (req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers['x-slack-request-timestamp'];
    const sent = Number(Array.isArray(header) ? header[0] : header);
    const nowSec = Math.floor(now() / 1000);
    if (Number.isFinite(sent) && sent > nowSec + MAX_CLOCK_SKEW_SECONDS) {
      o.log.warn('refused a Slack request dated in the future', { aheadSeconds: sent - nowSec });
      req.resume(); // drain the body so the connection can be reused
      return answer(res, 401);
    }
    void checkBody(req, res, o).then(
      (verdict) => {
        if (verdict === 'answered') return;
        // What is known about the request if something fails under it with nothing to catch it (never its text).
        withRequest(
          () => ({ kind: requestKind(verdict.body), shape: shapeOf(verdict.body) }),
          () => inner(req, res),
        );
      },
      (err: unknown) => {
        o.log.warn('could not read a Slack request body', { err });
        if (!res.headersSent) answer(res, 400);
      },
    );
  };
}

/**
 * Reads the body (Bolt reuses what was read: a request it is handed with `rawBody` set is not read twice) and
 * answers 400 when a verified body is not one JSON object. Unverified requests pass untouched: Bolt refuses
 * them (401) and logs why, as it always did. What passes comes with its parsed body when it was verified.
 */
async function checkBody(
  req: IncomingMessage,
  res: ServerResponse,
  o: GateOptions,
): Promise<{ body?: unknown } | 'answered'> {
  let buffered: BufferedIncomingMessage;
  try {
    buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, HTTPModuleFunctions.defaultBodyLimit);
  } catch (err) {
    if (HTTPModuleFunctions.isRawBodyError(err) && (err as { statusCode?: number }).statusCode === 413) {
      o.log.warn('refused a Slack request larger than Bolt accepts', {
        limitBytes: HTTPModuleFunctions.defaultBodyLimit,
      });
      answer(res, 413);
      return 'answered';
    }
    throw err;
  }
  const raw = buffered.rawBody.toString();
  const signature = req.headers['x-slack-signature'];
  const headers = {
    'x-slack-signature': String(signature),
    'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
  };
  if (typeof signature !== 'string' || !isValidSlackRequest({ signingSecret: o.signingSecret, body: raw, headers }))
    return {};
  let body: unknown;
  try {
    // Bolt's own reading of a body (a form's `payload` field is JSON; any other form is a slash command).
    body = HTTPModuleFunctions.parseHTTPRequestBody(buffered);
  } catch {
    return {}; // not JSON: Bolt answers 400 itself
  }
  const form = req.headers['content-type'] === 'application/x-www-form-urlencoded';
  // `payload=…&payload=…` is no interactive payload: Bolt's reading leaves the form as it is, `payload` a list.
  if (!isObject(body) || (form && Array.isArray(body.payload))) {
    o.log.warn('refused a signed Slack request whose body is not a JSON object', { shape: shapeOf(body), form });
    answer(res, 400);
    return 'answered';
  }
  return { body };
}

function answer(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

// ── What Bolt and LUNA's listeners read before anything else ────────────────────────────────────────────────

/** A JSON object: not null, not a list. */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A non-null object, never an array: Bolt reads fields of it. */
const Obj = z.custom<Record<string, unknown>>(isObject, 'is not an object');
/** Anything but null: Bolt tests these with `!== undefined` and then reads a field. */
const NotNull = z.custom<unknown>((v) => v !== null, 'is null');
const NonEmpty = z.string().min(1);

/**
 * An Events API envelope as Bolt reads it (getTypeAndConversation, buildSource, the `in` tests of its
 * middleware): an event object with a type; `user` not null (an object's `id` is read), `channel` a string or an
 * object, `item` an object, `subteam` not null; the first authorization not null.
 */
const EventCallback = z.looseObject({
  event: z.looseObject({
    type: z.string(),
    user: NotNull.optional(),
    channel: z.union([z.string(), Obj]).optional(),
    item: Obj.optional(),
    subteam: NotNull.optional(),
  }),
  authorizations: z.custom<unknown>((v) => !Array.isArray(v) || v[0] !== null, 'starts with null').optional(),
});

/** Events LUNA's listeners key by `event.channel` and `event.ts` (an answer job's id is made of both). */
const EVENTS_IN_A_CHANNEL = new Set(['app_mention', 'message']);

/**
 * Clicks, shortcuts, views and options as Bolt reads them: who (`user.id`, read from every one of them before any
 * listener runs), `channel` and `view` objects when present, `actions` a list of objects whose `action_id` and
 * `block_id` are strings (the action listeners match them with regular expressions).
 */
const Interactive = z.looseObject({
  user: z.looseObject({ id: NonEmpty }),
  channel: NotNull.optional(),
  view: Obj.optional(),
  actions: z.array(z.looseObject({ action_id: z.string().optional(), block_id: z.string().optional() })).optional(),
});

/** What Bolt needs beyond that for some types: the clicks themselves, the view (its team is read from it). */
const REQUIRED: Record<string, 'actions' | 'view'> = {
  block_actions: 'actions',
  interactive_message: 'actions',
  view_submission: 'view',
  view_closed: 'view',
};

/** Every body Bolt may answer through a `response_url` (views name theirs in `response_urls`). */
const ResponseUrls = z.looseObject({ response_urls: z.array(Obj).optional() });

const INTERACTIVE = new Set([
  'block_actions',
  'block_suggestion',
  'message_action',
  'shortcut',
  'view_submission',
  'view_closed',
  'interactive_message',
  'dialog_submission',
  'dialog_suggestion',
  'workflow_step_edit',
]);

/** Why a signed request cannot be routed (it is acked and dropped), or undefined when it can. */
export function unroutable(body: unknown): string | undefined {
  if (!isObject(body)) return 'a body that is not a JSON object';
  const urls = ResponseUrls.safeParse(body);
  if (!urls.success) return problem('a payload', urls.error);
  if (body.event !== undefined) {
    const e = EventCallback.safeParse(body);
    if (!e.success) return problem('an event callback', e.error);
    const event = e.data.event;
    if (EVENTS_IN_A_CHANNEL.has(event.type)) {
      if (!NonEmpty.safeParse(event.channel).success) return `an ${event.type} event without a channel`;
      if (!NonEmpty.safeParse(event.ts).success) return `an ${event.type} event without a ts`;
    }
    return undefined;
  }
  if (body.command !== undefined)
    return typeof body.command === 'string' ? undefined : 'a slash command whose command is not a string';
  if (typeof body.type === 'string' && INTERACTIVE.has(body.type)) {
    const i = Interactive.safeParse(body);
    if (!Interactive.shape.user.safeParse(body.user).success) return `a ${body.type} payload without a user`;
    if (!i.success) return problem(`a ${body.type} payload`, i.error);
    const required = REQUIRED[body.type];
    return required && body[required] === undefined ? `a ${body.type} payload without ${required}` : undefined;
  }
  if (body.actions !== undefined || body.name !== undefined) return 'an interactive payload of no type LUNA knows';
  return 'a request of no kind LUNA knows';
}

/** Where a payload failed its schema, for a log line: field paths and the rule broken, never the values. */
export function issuesOf(error: z.ZodError): string[] {
  return error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`);
}

/** `what` and its first problem (`an event callback whose event.user is null`): field names only, never values. */
function problem(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const at = issue?.path.map(String).join('.') || 'body';
  const wrong =
    issue?.code === 'invalid_type' ? 'has the wrong type' : issue?.code === 'custom' ? issue.message : 'is malformed';
  return `${what} whose ${at} ${wrong}`;
}

const WORD = /^[A-Za-z0-9_.:/-]{1,64}$/;

/** What Slack calls the request, for the log: the event's type, or the interactive payload's; odd values are not repeated. */
export function requestKind(body: unknown): string | undefined {
  const b = isObject(body) ? body : {};
  const event = isObject(b.event) ? b.event : undefined;
  const kind = event ? event.type : (b.command ?? b.type);
  if (kind === undefined) return undefined;
  return typeof kind === 'string' && WORD.test(kind) ? kind : '(odd)';
}

/** Which action, shortcut or view it names (`action_id`, `callback_id`), for a debug line about a request nobody handles. */
export function requestTarget(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const action = Array.isArray(body.actions) && isObject(body.actions[0]) ? body.actions[0].action_id : undefined;
  const id = action ?? body.callback_id ?? (isObject(body.view) ? body.view.callback_id : undefined);
  if (id === undefined) return undefined;
  return typeof id === 'string' && WORD.test(id) ? id : '(odd)';
}

/**
 * The structure of a value for a log line — types, lengths and field names, never text: `{type: string(14),
 * event: {user: null, …}}`. Field names that do not look like Slack's are shown as `?`.
 */
export function shapeOf(value: unknown, depth = 2): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === 'string') return `string(${value.length})`;
  if (typeof value !== 'object') return typeof value;
  if (depth === 0) return 'object';
  const entries = Object.entries(value);
  const shown = entries
    .slice(0, 12)
    .map(([k, v]) => `${/^[a-z0-9_]{1,40}$/i.test(k) ? k : '?'}: ${shapeOf(v, depth - 1)}`);
  return `{${shown.join(', ')}${entries.length > 12 ? `, …${entries.length - 12} more` : ''}}`;
}
