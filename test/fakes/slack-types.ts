/** Shapes shared by the fake Slack Web API's files. Field names follow Slack's wire format. */

export type SlackArgs = Record<string, unknown>;

export interface SlackCall {
  method: string;
  /** Parsed arguments: form fields as strings, JSON-encoded fields (blocks, metadata, …) decoded. */
  args: SlackArgs;
  at: number;
  /** What the fake answered (set once it has answered): the JSON body, and the HTTP status. */
  response?: Record<string, unknown>;
  status?: number;
}

export interface SlackFault {
  /** 429 → `ratelimited` with Retry-After; 5xx → an error page; 200 (default when `error` is set) → `{ok:false,error}`. */
  status?: number;
  error?: string;
  /** Seconds for the Retry-After header of a 429. @defaultValue 1 */
  retryAfterSeconds?: number;
  /** How many consecutive calls fail. @defaultValue 1 */
  times?: number;
}

export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

export interface Reaction {
  name: string;
  users: string[];
  count: number;
}

export interface SlackMessage {
  type: 'message';
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  team?: string;
  subtype?: string;
  thread_ts?: string;
  parent_user_id?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: MessageMetadata;
  reactions?: Reaction[];
  files?: Array<Record<string, unknown>>;
  upload?: boolean;
  edited?: { user: string; ts: string };
  // Thread summary fields, present on a parent that has replies.
  reply_count?: number;
  reply_users?: string[];
  reply_users_count?: number;
  latest_reply?: string;
}

export interface NewMessage {
  ts?: string;
  user?: string;
  bot_id?: string;
  text: string;
  thread_ts?: string;
  metadata?: MessageMetadata;
  subtype?: string;
  blocks?: unknown[];
  files?: Array<Record<string, unknown>>;
}

export interface NewChannel {
  id: string;
  name?: string;
  is_ext_shared?: boolean;
  is_im?: boolean;
  is_private?: boolean;
  /** For IMs: the human on the other side. */
  user?: string;
  /** Whether the bot is in the channel; reading or posting elsewhere fails with `not_in_channel`. @defaultValue true */
  is_member?: boolean;
  /** Channel members for `conversations.members` (the bot is always added when `is_member`). */
  members?: string[];
}

export interface FakeChannel {
  id: string;
  name: string;
  is_im: boolean;
  is_ext_shared: boolean;
  is_private: boolean;
  is_member: boolean;
  user?: string;
  members: string[];
  created: number;
}

export interface FakeUser {
  id: string;
  name?: string;
  real_name?: string;
  display_name?: string;
  is_bot?: boolean;
  deleted?: boolean;
  tz?: string;
  email?: string;
}

export interface Usergroup {
  id: string;
  handle: string;
  name?: string;
  users?: string[];
}

export interface Upload {
  bytes: Buffer;
  filename: string;
  /** The `length` declared to files.getUploadURLExternal. */
  declaredLength: number;
  uploaded: boolean;
  completed: boolean;
  title?: string;
  channel?: string;
  threadTs?: string;
  initialComment?: string;
  altText?: string;
}

export interface Ephemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  message_ts: string;
}

export interface ResponseUrlPost {
  id: string;
  body: unknown;
  at: number;
}

/** A method handler's outcome: Slack answers HTTP 200 with `{ok:true,…}` or `{ok:false,error,…}`. */
export type SlackResult = { ok: true; [k: string]: unknown } | { ok: false; error: string; [k: string]: unknown };

export class SlackApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}
