import type { FakeSlackSocket } from './slack-socket.js';
import type { SlackStore } from './slack-store.js';
import type { Ephemeral, SlackArgs, SlackResult, SuggestedPrompts, Upload, Usergroup } from './slack-types.js';
import { SlackApiError } from './slack-types.js';

/** What every method handler can see: the workspace state plus the fake's recorded side effects. */
export interface MethodContext {
  store: SlackStore;
  /** `http://127.0.0.1:PORT`, for URLs the fake serves itself (uploads). */
  origin: string;
  uploads: Map<string, Upload>;
  ephemerals: Ephemeral[];
  usergroups: Usergroup[];
  views: Map<string, { id: string; hash: string; view: Record<string, unknown> }>;
  statuses: Array<{ channel: string; threadTs: string; status: string; loadingMessages?: string[]; at: number }>;
  assistantStatusInChannels: boolean;
  suggestedPrompts: SuggestedPrompts[];
  /** The app's manifest uses `agent_view` (the agent messaging experience) rather than `assistant_view`. */
  agentView: boolean;
  /** Channels where chat.startStream answers `channel_type_not_supported`. */
  streamingRefused: ReadonlySet<string>;
  socket: FakeSlackSocket;
}

export type MethodHandler = (ctx: MethodContext, args: SlackArgs) => SlackResult;

export function fail(error: string, extra: Record<string, unknown> = {}): never {
  throw new SlackApiError(error, extra);
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** Form fields arrive as strings: Slack reads `true`/`1` as true. */
export function bool(v: unknown): boolean {
  return v === true || v === 1 || v === 'true' || v === '1';
}

export function int(v: unknown, fallback: number, max: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) return fallback;
  return Math.min(Math.floor(n), max);
}

export function requireStr(args: SlackArgs, key: string, error: string): string {
  const v = str(args[key]);
  if (v === undefined || v === '') fail(error);
  return v;
}

/** Opaque cursors in Slack's style: base64 of `next_ts:<ts>` / `user:<id>`. */
export function encodeCursor(kind: string, value: string): string {
  return Buffer.from(`${kind}:${value}`).toString('base64');
}

export function decodeCursor(cursor: unknown, kind: string): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const text = typeof cursor === 'string' ? Buffer.from(cursor, 'base64').toString('utf8') : '';
  if (!text.startsWith(`${kind}:`)) fail('invalid_cursor');
  return text.slice(kind.length + 1);
}

export function channelOrFail(ctx: MethodContext, id: unknown, needMember = true) {
  const ch = typeof id === 'string' ? ctx.store.channels.get(id) : undefined;
  if (!ch) fail('channel_not_found');
  if (needMember && !ch.is_member) fail('not_in_channel');
  return ch;
}

export function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
