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
  /** Slack Connect: the author's team and the team the message was sent from (set for other orgs' users). */
  user_team?: string;
  source_team?: string;
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
  /** Shared with another organisation (Slack Connect). Without `connectedTeams` a placeholder org is used. */
  is_ext_shared?: boolean;
  /** External team IDs the channel is shared with (they must be registered with `addTeam`, or are created). */
  connectedTeams?: string[];
  /** An invitation is out but not accepted yet: `is_pending_ext_shared`, nobody from the other org inside. */
  pending?: boolean;
  /** The team hosting the channel. @defaultValue the bot's team */
  hostTeamId?: string;
  is_im?: boolean;
  is_private?: boolean;
  /** For IMs: the human on the other side. */
  user?: string;
  /** Whether the bot is in the channel; reading or posting elsewhere fails with `not_in_channel`. @defaultValue true */
  is_member?: boolean;
  /**
   * Channel members for `conversations.members` (the bot is always added when `is_member`). Listing them makes
   * membership strict (`chat.postEphemeral` to anyone else fails with `user_not_in_channel`); without a list any
   * user of the bot's own team counts as a member, so tests that never thought about membership keep working.
   */
  members?: string[];
}

export interface FakeChannel {
  id: string;
  name: string;
  is_im: boolean;
  is_private: boolean;
  is_member: boolean;
  user?: string;
  members: string[];
  /** Whether `members` was given explicitly (see `NewChannel.members`). */
  strict_members: boolean;
  created: number;
  // Slack Connect, as conversations.info reports it (the conversation object's documented fields).
  is_shared: boolean;
  is_ext_shared: boolean;
  is_org_shared: boolean;
  is_pending_ext_shared: boolean;
  /** The workspace the object is described for: always the bot's team here. */
  context_team_id: string;
  conversation_host_id: string;
  /** Every team in the channel, host first (present while shared). */
  connected_team_ids: string[];
  /** The host organisation's workspaces the channel is in. */
  shared_team_ids: string[];
  /** The bot's org's other workspaces in the channel: always empty outside Enterprise Grid. */
  internal_team_ids: string[];
  /** Teams invited but not yet joined (with `is_pending_ext_shared`). */
  pending_connected_team_ids: string[];
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
  /** The user's own team; another organisation's users carry theirs. @defaultValue the bot's team */
  team_id?: string;
}

/** A workspace as team.info describes it: the bot's own, or another org's it shares a channel with. */
export interface FakeTeam {
  id: string;
  name: string;
  domain: string;
  email_domain?: string;
  /** team.info's `icon`; a default-icon set is generated when absent. */
  icon?: Record<string, unknown>;
  is_verified?: boolean;
}

export interface Usergroup {
  id: string;
  handle: string;
  name?: string;
  users?: string[];
  /** A disabled group: hidden unless `include_disabled` is passed. */
  disabled?: boolean;
}

/** One version of a message the bot posted: the original post, then one entry per chat.update. */
export interface PostedVersion {
  channel: string;
  ts: string;
  thread_ts?: string;
  /** `stream`: chat.startStream, each chat.appendStream and chat.stopStream, each with the text shown so far. */
  kind: 'post' | 'update' | 'file' | 'stream';
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: MessageMetadata;
  /** text + every string in blocks and attachments, flattened: what a reader of the channel can see. */
  visibleText: string;
  at: number;
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

/** A successful assistant.threads.setSuggestedPrompts call. */
export interface SuggestedPrompts {
  channel: string;
  prompts: Array<{ title: string; message: string }>;
  title?: string;
  threadTs?: string;
  /**
   * Whether Slack shows them. For an app with `agent_view`, a call with `thread_ts` answers ok and shows
   * nothing (Slack's docs: "Including it in a call for an agent app will cause the call to silently fail").
   */
  shown: boolean;
  at: number;
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
