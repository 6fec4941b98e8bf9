import type { JobContext } from '../contracts/job-context.js';
import { customerNames } from '../domain/audience.js';
import { dmChannel } from '../slack-api/dm.js';
import { tellOnly } from '../slack-api/tell-only.js';
import { isDirectMessageId } from '../domain/slack-ids.js';

/**
 * Internal analysis (digests, journey maps) asked for where a customer reads along goes to the person who
 * asked, privately, instead of into the channel. `undefined`: an internal place, post there as usual.
 */
export interface PrivateRoute {
  /** LUNA's DM with the person who asked. */
  dm: string;
  /** Who reads the channel it was asked in, e.g. "Acme Corp". */
  sharedWith: string;
}

export type Route = { kind: 'here' } | ({ kind: 'private' } & PrivateRoute) | { kind: 'refused'; why: string };

/**
 * Where a digest or journey map asked for in `channel` by `userId` goes: here (internal place), to the
 * asker's DM (a customer channel, asked by the team), or nowhere (asked by a customer: internal analysis
 * is for the team).
 */
export async function routeInternalOutput(
  ctx: JobContext,
  channel: string,
  userId: string,
  what: string,
): Promise<Route> {
  if (isDirectMessageId(channel)) return { kind: 'here' };
  const audience = await ctx.directory.audience(channel);
  if (audience.kind === 'internal') return { kind: 'here' };
  if ((await ctx.directory.person(userId)).external)
    return { kind: 'refused', why: `${what} are prepared for the account team, so I don't share them here.` };
  return { kind: 'private', dm: await dmChannel(ctx.slack, userId), sharedWith: customerNames(audience) };
}

/** The short note in the channel, seen only by the person who asked. Best effort: the DM is what matters. */
export async function sayPrivately(
  ctx: JobContext,
  channel: string,
  userId: string,
  text: string,
  threadTs?: string,
): Promise<void> {
  await tellOnly(ctx.slack, { channel, user: userId, threadTs }, text).catch((err: unknown) =>
    ctx.log.debug('could not post an ephemeral note', { channel, err }),
  );
}

/** The customer's people among these users (id → organisation name), for prompts that mark the customer's voice. */
export async function customersAmong(
  ctx: JobContext,
  channel: string,
  users: Iterable<string>,
): Promise<Map<string, string>> {
  if (await ctx.directory.teamOnly(channel)) return new Map();
  const people = await ctx.directory.people(users);
  return new Map([...people.values()].filter((p) => p.external).map((p) => [p.id, p.organisation?.name ?? 'external']));
}

/** Where a digest or journey map goes: into a thread, or top-level in a channel (later parts then thread under the first). */
export interface Destination {
  channel: string;
  threadTs?: string;
}
