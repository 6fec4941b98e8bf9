/**
 * Who can read a place LUNA posts in. Decided once per channel and asked by every job and renderer, so
 * "is the customer reading along?" has one answer everywhere.
 *
 * A channel is a *customer channel* when people of another organisation can read it: Slack Connect
 * (`is_ext_shared`, or an invitation pending), a connected team other than LUNA's own (or, on Enterprise
 * Grid, other than its enterprise), or a config entry saying so for what Slack cannot tell (a private
 * channel with guests). A config entry may also pin a channel as internal.
 */
export interface Organisation {
  id: string;
  name: string;
}

export interface Audience {
  kind: 'internal' | 'customer';
  /** The other organisations that can read the channel (empty when unknown, e.g. a config-only entry). */
  customers: Organisation[];
  /** Why: what Slack said, or the config. */
  basis: 'slack_connect' | 'config' | 'internal' | 'direct_message';
  /** The channel's name, when Slack said it (account books may list channels by name). */
  name?: string | undefined;
}

/** The fields of `conversations.info`'s channel this decision reads. */
export interface ChannelFacts {
  name?: string | undefined;
  is_im?: boolean | undefined;
  is_ext_shared?: boolean | undefined;
  is_pending_ext_shared?: boolean | undefined;
  connected_team_ids?: string[] | undefined;
  shared_team_ids?: string[] | undefined;
}

export interface Home {
  teamId: string;
  enterpriseId?: string | undefined;
}

/** Team ids in the channel that are not LUNA's own workspace or enterprise. */
export function foreignTeams(facts: ChannelFacts, home: Home): string[] {
  const ids = new Set([...(facts.connected_team_ids ?? []), ...(facts.shared_team_ids ?? [])]);
  return [...ids].filter((id) => id !== home.teamId && id !== home.enterpriseId);
}

export function decideAudience(
  facts: ChannelFacts,
  home: Home,
  configured: 'customer' | 'internal' | undefined,
  names: Organisation[],
): Audience {
  if (configured === 'internal') return { kind: 'internal', customers: [], basis: 'config' };
  if (configured === 'customer') return { kind: 'customer', customers: names, basis: 'config' };
  if (facts.is_im) return { kind: 'internal', customers: [], basis: 'direct_message' };
  const shared = facts.is_ext_shared || facts.is_pending_ext_shared || foreignTeams(facts, home).length > 0;
  return shared
    ? { kind: 'customer', customers: names, basis: 'slack_connect' }
    : { kind: 'internal', customers: [], basis: 'internal' };
}

/** "Acme Corp", "Acme Corp and Globex", or a neutral phrase when Slack did not say who. */
export function customerNames(a: Pick<Audience, 'customers'>): string {
  const names = a.customers.map((c) => c.name);
  if (names.length === 0) return 'an external organisation';
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
}

/** A person as LUNA knows them: whether they belong to another organisation, and which. */
export interface Person {
  id: string;
  external: boolean;
  /** Their organisation, when external. */
  organisation?: Organisation | undefined;
  /** How Slack names them (real name, display name), for the customer-text check of an owner's name. */
  names?: string[] | undefined;
}

/**
 * Where an answer goes, by who can read the channel and who asked:
 * - `thread`: posted in the thread (internal places; or `direct` / `answer` in customer channels);
 * - `draft`: privately to the internal member who asked, posted only when they approve;
 * - `holding`: a customer asked: a neutral holding reply in the thread, the draft to the channel's owners;
 * - `owners`: a customer asked and LUNA stays silent in public; the owners are told privately.
 */
export type AnswerDelivery = 'thread' | 'draft' | 'holding' | 'owners';

export function answerDelivery(
  audience: Pick<Audience, 'kind'>,
  askerExternal: boolean,
  config: { answers: 'draft' | 'direct'; externalMentions: 'draft' | 'answer' | 'ignore' },
): AnswerDelivery {
  if (audience.kind === 'internal') return 'thread';
  if (!askerExternal) return config.answers === 'draft' ? 'draft' : 'thread';
  return config.externalMentions === 'draft' ? 'holding' : config.externalMentions === 'answer' ? 'thread' : 'owners';
}
