import { createHmac } from 'node:crypto';

/**
 * Sends requests to the app exactly as Slack does (signed `v0` HMAC, retry headers), and builds the
 * bodies Slack sends: Events API envelopes, slash-command forms and interactivity payloads.
 */

const BOT = { userId: 'U0LUNA', teamId: 'T0TEAM', appId: 'A0LUNA' };

export interface SignOptions {
  signingSecret: string;
  /** How the body is encoded. @defaultValue 'json' for objects, 'form' for strings */
  contentType?: 'json' | 'form';
  /** Unix seconds for `x-slack-request-timestamp`. @defaultValue now */
  timestamp?: number;
  retryNum?: number;
  retryReason?: string;
  /** Sign correctly, then corrupt the signature (a forged request). */
  badSignature?: boolean;
}

export function slackSignature(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export async function signedRequest(
  url: string,
  body: string | object,
  opts: SignOptions,
): Promise<{ status: number; body: string; ms: number }> {
  const type = opts.contentType ?? (typeof body === 'string' ? 'form' : 'json');
  const raw =
    typeof body === 'string' ? body : type === 'json' ? JSON.stringify(body) : toForm(body as Record<string, unknown>);
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  let signature = slackSignature(opts.signingSecret, timestamp, raw);
  if (opts.badSignature) signature = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
  const headers: Record<string, string> = {
    'content-type': type === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signature,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  if (opts.retryNum !== undefined) headers['x-slack-retry-num'] = String(opts.retryNum);
  if (opts.retryReason !== undefined) headers['x-slack-retry-reason'] = opts.retryReason;
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body: raw });
  const text = await res.text();
  return { status: res.status, body: text, ms: performance.now() - started };
}

function toForm(fields: Record<string, unknown>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) p.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return p.toString();
}

let eventCounter = 0;

export interface EnvelopeOptions {
  eventId?: string;
  teamId?: string;
  apiAppId?: string;
  isExtSharedChannel?: boolean;
}

/** An Events API `event_callback` body, authorised for the LUNA bot user. */
export function eventEnvelope(event: object, opts: EnvelopeOptions = {}): object {
  const now = Math.floor(Date.now() / 1000);
  const teamId = opts.teamId ?? BOT.teamId;
  const e = event as { ts?: unknown; event_ts?: unknown };
  const eventTs = typeof e.event_ts === 'string' ? e.event_ts : typeof e.ts === 'string' ? e.ts : `${now}.000100`;
  return {
    token: 'legacy-verification-token',
    team_id: teamId,
    context_team_id: teamId,
    context_enterprise_id: null,
    api_app_id: opts.apiAppId ?? BOT.appId,
    event: { ...event, event_ts: eventTs },
    type: 'event_callback',
    event_id:
      opts.eventId ?? `Ev${Date.now().toString(36).toUpperCase()}${(++eventCounter).toString(36).toUpperCase()}`,
    event_time: now,
    authorizations: [
      { enterprise_id: null, team_id: teamId, user_id: BOT.userId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: opts.isExtSharedChannel ?? false,
    event_context: `4-${Buffer.from(`${teamId}:${eventCounter}`).toString('base64url')}`,
  };
}

/** A slash-command POST body; `fields` override realistic defaults (command, text, channel_id, …). */
export function slashCommandForm(fields: Record<string, string>): string {
  const defaults: Record<string, string> = {
    token: 'legacy-verification-token',
    team_id: BOT.teamId,
    team_domain: 'fake',
    channel_id: 'C0SUPPORT',
    channel_name: 'support',
    user_id: 'U0ALICE',
    user_name: 'alice',
    command: '/journey-map',
    text: '',
    api_app_id: BOT.appId,
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.test/commands/T0TEAM/1/abc',
    trigger_id: `${Date.now()}.1.${++eventCounter}`,
  };
  return new URLSearchParams({ ...defaults, ...fields }).toString();
}

/** An interactivity POST body: the payload JSON in a single `payload` form field. */
export function interactivityForm(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface ButtonClick {
  user: string;
  /** The clicker's own team, as Slack sends it for someone of another organisation. @defaultValue LUNA's team */
  teamId?: string;
  actionId: string;
  value: string;
  blockId?: string;
  /** Where the button was: a message (channel + message, as Slack sends it) or the Home view. */
  message?: { channel: string; ts: string; body?: object };
  view?: { id: string; callbackId?: string };
  responseUrl?: string;
  actionTs?: string;
}

/** What every `block_actions` payload starts with: who clicked (of which team), the app, the trigger. */
function blockActionsHead(user: string, teamId: string | undefined, actionTs: string) {
  const team = teamId ?? BOT.teamId;
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: team },
    api_app_id: BOT.appId,
    token: 'legacy',
    trigger_id: `9.9.${actionTs}`,
    team: { id: team, domain: 'fake' },
  };
}

/** The form body of a `block_actions` request for one button click, shaped like Slack's. */
export function buttonClickForm(c: ButtonClick): string {
  const actionTs = c.actionTs ?? `${(Date.now() / 1000).toFixed(6)}`;
  return interactivityForm({
    ...blockActionsHead(c.user, c.teamId, actionTs),
    ...(c.message
      ? {
          container: { type: 'message', channel_id: c.message.channel, message_ts: c.message.ts, is_ephemeral: false },
          channel: { id: c.message.channel },
          message: c.message.body ?? { ts: c.message.ts },
        }
      : {}),
    ...(c.view
      ? {
          container: { type: 'view', view_id: c.view.id },
          view: { id: c.view.id, type: 'home', callback_id: c.view.callbackId },
        }
      : {}),
    ...(c.responseUrl ? { response_url: c.responseUrl } : {}),
    actions: [
      {
        type: 'button',
        action_id: c.actionId,
        ...(c.blockId ? { block_id: c.blockId } : {}),
        value: c.value,
        action_ts: actionTs,
        text: { type: 'plain_text', text: 'button' },
      },
    ],
  });
}

export interface FeedbackClick {
  user: string;
  /** The clicker's own team. @defaultValue LUNA's team */
  teamId?: string;
  channel: string;
  /** The message holding the buttons. */
  messageTs: string;
  /** The pressed button's value (the positive or the negative one). */
  value: string;
  actionId?: string;
  actionTs?: string;
}

/** A click on Slack's feedback buttons (`context_actions` → `feedback_buttons`): a block_actions payload whose action is typed `feedback_buttons`. */
export function feedbackClickForm(c: FeedbackClick): string {
  const actionTs = c.actionTs ?? `${(Date.now() / 1000).toFixed(6)}`;
  return interactivityForm({
    ...blockActionsHead(c.user, c.teamId, actionTs),
    container: { type: 'message', channel_id: c.channel, message_ts: c.messageTs, is_ephemeral: false },
    channel: { id: c.channel },
    message: { ts: c.messageTs },
    actions: [
      {
        type: 'feedback_buttons',
        action_id: c.actionId ?? 'luna_answer_feedback',
        block_id: 'luna_feedback',
        value: c.value,
        text: { type: 'plain_text', text: '👍' },
        action_ts: actionTs,
      },
    ],
  });
}

/** A button click on an ephemeral message: Slack names the channel in the container, and there is no `message`. */
export function ephemeralButtonClickForm(c: {
  user: string;
  teamId?: string;
  channel: string;
  messageTs: string;
  actionId: string;
  value: string;
  responseUrl: string;
  actionTs?: string;
}): string {
  const actionTs = c.actionTs ?? `${(Date.now() / 1000).toFixed(6)}`;
  return interactivityForm({
    ...blockActionsHead(c.user, c.teamId, actionTs),
    container: { type: 'message', channel_id: c.channel, message_ts: c.messageTs, is_ephemeral: true },
    channel: { id: c.channel },
    response_url: c.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: c.actionId,
        block_id: 'luna_feedback_reason',
        value: c.value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: actionTs,
      },
    ],
  });
}
