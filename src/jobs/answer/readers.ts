import type { AnswerPayload } from '../../contracts/jobs.js';
import type { JobContext } from '../../contracts/job-context.js';
import { answerDelivery, customerNames, type AnswerDelivery, type Organisation } from '../../domain/audience.js';
import type { CustomerReaders } from '../../llm/prompt.js';
import { participantsOf, type SlackThreadMessage } from '../../slack-api/thread.js';

// Who reads an answer: decided once per job, it says where the answer goes (the thread, a draft, the owners) and
// what the prompt may hold (a customer reading along gets no internal fact).

/** Who reads the answer and where it goes, decided once per job from the channel's audience and the asker. */
export interface AnswerReaders {
  delivery: AnswerDelivery;
  /** Set in customer channels: whom the answer is written for. */
  customer?: CustomerReaders;
  /** Participants of another organisation → their organisation's name. */
  external: Map<string, string>;
  /** The asker's organisation, when it is another one: its daily token budget pays for the answer. */
  asker?: Organisation | undefined;
}

/** The channel's audience, the asker's organisation, and the external participants of the thread. */
export async function readersOf(
  ctx: JobContext,
  p: AnswerPayload,
  thread: SlackThreadMessage[],
): Promise<AnswerReaders> {
  // A DM has no channel to ask about: it is internal unless the event's user_team names another organisation.
  const dmFromElsewhere =
    p.isDirectMessage && p.userTeam !== undefined && (await ctx.directory.isExternal(p.userId, p.userTeam));
  const audience = p.isDirectMessage
    ? { kind: dmFromElsewhere ? ('customer' as const) : ('internal' as const), customers: [] }
    : await ctx.directory.audience(p.channel);
  if (audience.kind === 'internal') return { delivery: 'thread', external: new Map() };
  const askerExternal = await ctx.directory.isExternal(p.userId, p.userTeam);
  const people = await ctx.directory.people([p.userId, ...participantsOf(thread, ctx.identity.botUserId)]);
  const external = new Map(
    [...people.values()].filter((x) => x.external).map((x) => [x.id, x.organisation?.name ?? 'external']),
  );
  const orgs = audience.customers.length
    ? audience.customers
    : [...people.values()].flatMap((x) => (x.organisation ? [x.organisation] : []));
  const delivery = answerDelivery(audience, askerExternal, ctx.settings.workspace.customerChannels);
  // Whose daily token budget the answer spends: the asker's organisation, by Slack's word (the event's user_team first).
  const asker = askerExternal
    ? (people.get(p.userId)!.organisation ?? { id: p.userTeam ?? 'unknown', name: 'an external organisation' })
    : undefined;
  return {
    delivery,
    external,
    asker,
    customer: {
      customerNames: customerNames({ customers: orgs }),
      ...(delivery === 'draft' ? { draftFor: p.userId } : {}),
    },
  };
}
