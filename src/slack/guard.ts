import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../infra/log.js';

/**
 * Checks in front of Bolt for requests it would mishandle. A request Slack signed but LUNA cannot route
 * (an event without its channel, a click without its user) is answered 200 and logged: a 500 only makes
 * Slack redeliver the same payload, again and again. A request dated in the future is refused like a
 * stale one.
 */

/** Bolt's own limit for a stale request; the same skew is allowed the other way. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

/** Events LUNA's listeners key by `event.channel` and `event.ts` (an answer job's id is made of both). */
const EVENTS_IN_A_CHANNEL = new Set(['app_mention', 'message']);

/** Interactive payloads: Bolt reads `body.user.id` from every one of them before any listener runs. */
const INTERACTIVE = new Set([
  'block_actions',
  'block_suggestion',
  'message_action',
  'shortcut',
  'view_submission',
  'view_closed',
  'interactive_message',
  'dialog_submission',
  'workflow_step_edit',
]);

type Body = Record<string, unknown>;

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Why a signed request cannot be routed (it is acked and dropped), or undefined when it can. */
export function unroutable(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as Body;
  if (b.type === 'event_callback') {
    const event = b.event as Body | undefined;
    if (!event || typeof event !== 'object') return 'an event callback without an event';
    if (typeof event.type === 'string' && EVENTS_IN_A_CHANNEL.has(event.type)) {
      if (!nonEmpty(event.channel)) return `an ${event.type} event without a channel`;
      if (!nonEmpty(event.ts)) return `an ${event.type} event without a ts`;
    }
    return undefined;
  }
  if (typeof b.type === 'string' && INTERACTIVE.has(b.type)) {
    const user = b.user as Body | undefined;
    if (!user || typeof user !== 'object' || !nonEmpty(user.id)) return `a ${b.type} payload without a user`;
  }
  return undefined;
}

/** What Slack calls the request, for the log: the event's type, or the interactive payload's. */
export function requestKind(body: unknown): string | undefined {
  const b = (body ?? {}) as Body;
  const event = b.event as Body | undefined;
  return typeof event?.type === 'string' ? event.type : typeof b.type === 'string' ? b.type : undefined;
}

/**
 * Bolt's HTTPReceiver refuses a request more than five minutes old, but not one more than five minutes in
 * the future — a captured request replayed by someone who signed it ahead of time, or a clock gone wrong.
 * This answers such a request exactly as Bolt answers a stale one (401, no body) before Bolt sees it;
 * everything else, signature verification included, is still Bolt's.
 */
export function refuseFutureDated(inner: RequestListener, log: Logger, now: () => number = Date.now): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers['x-slack-request-timestamp'];
    const sent = Number(Array.isArray(header) ? header[0] : header);
    const nowSec = Math.floor(now() / 1000);
    if (Number.isFinite(sent) && sent > nowSec + MAX_CLOCK_SKEW_SECONDS) {
      log.warn('refused a Slack request dated in the future', { aheadSeconds: sent - nowSec });
      req.resume(); // drain the body so the connection can be reused
      res.writeHead(401);
      res.end();
      return;
    }
    inner(req, res);
  };
}
