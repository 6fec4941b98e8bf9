import type { JobContext } from '../contracts/job-context.js';
import { internalFacts, type AccountKnowledge } from '../domain/account-facts.js';
import { findInternalFacts, type FactHit, type InternalFacts } from '../domain/customer-text.js';
import { ownersFor } from '../domain/escalation.js';
import { parseKpiTargets } from '../personas/kpis.js';
import { postPart, type LunaPart } from '../slack-api/post.js';
import { readAccountContext, type AccountContext } from '../llm/account-brief.js';
import { isDirectMessageId } from '../domain/slack-ids.js';

/**
 * The check of everything LUNA posts where a customer reads (domain/customer-text.ts), for one channel: the
 * internal facts LUNA holds about the channel's account, gathered here and only here — the account book's row,
 * the owner's names, account memory (escalations, digests' estimates and risks, signals), measured CSAT and the
 * persona's KPI targets — and the people the thread already shows the reader.
 */
export interface CustomerGuard {
  channel: string;
  facts: InternalFacts;
  /** The thread's participants: naming them tells the customer nothing new. */
  visible: ReadonlySet<string>;
}

/** The guard for a channel a customer reads, from an account context the caller already read (undefined: no account). */
export async function guardFrom(
  ctx: JobContext,
  channel: string,
  context: AccountContext | undefined,
  participants: Iterable<string>,
): Promise<CustomerGuard> {
  const knowledge = await knowledgeOf(ctx, context);
  return { channel, facts: internalFacts(knowledge, context?.now ?? Date.now()), visible: new Set(participants) };
}

/** The guard for a channel a customer reads, reading the account's facts now. */
export async function guardFor(
  ctx: JobContext,
  channel: string,
  participants: Iterable<string>,
): Promise<CustomerGuard> {
  return guardFrom(
    ctx,
    channel,
    await readAccountContext(ctx, { channel, isDirectMessage: isDirectMessageId(channel) }),
    participants,
  );
}

/** The guard where the channel is a customer's, else undefined (only the team reads there: nothing to check). */
export async function guardIfCustomer(
  ctx: JobContext,
  channel: string,
  participants: Iterable<string>,
): Promise<CustomerGuard | undefined> {
  if (await ctx.directory.teamOnly(channel)) return undefined;
  return guardFor(ctx, channel, participants);
}

/** What of `text` the customer must not read; `canary` is the one placed in the model request that wrote it. */
export function checkForCustomer(guard: CustomerGuard, text: string, canary?: string): FactHit[] {
  return findInternalFacts(text, guard.facts, {
    visiblePeople: guard.visible,
    ...(canary ? { canaries: [canary] } : {}),
  });
}

/**
 * Posts LUNA's own fixed wording (a holding reply, a note, an apology, a survey question) where a customer may
 * read: checked like any answer when `guard` says a customer reads there. Wording that names a fact — a config
 * text, say — is not posted and is logged for the operator. Returns the message's ts, or undefined if held back.
 */
export async function postChecked(
  ctx: JobContext,
  guard: CustomerGuard | undefined,
  part: LunaPart,
): Promise<string | undefined> {
  const hits = guard ? checkForCustomer(guard, [part.text, ...blockTexts(part.blocks)].join('\n')) : [];
  if (hits.length) {
    ctx.log.error('held back a fixed text from a customer channel: it names internal facts', {
      channel: part.channel,
      part: part.part,
      facts: hits.map((h) => h.fact),
    });
    return undefined;
  }
  return postPart(ctx.slack, part);
}

/** The text of a message's blocks (sections, context, buttons), which the customer reads as much as `text`. */
function blockTexts(blocks: LunaPart['blocks']): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (k === 'text' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(blocks ?? []);
  return out;
}

async function knowledgeOf(ctx: JobContext, c: AccountContext | undefined): Promise<AccountKnowledge> {
  const kpis = parseKpiTargets(ctx.settings.persona.systemPrompt);
  if (!c) return { escalations: [], risks: [], signals: [], csat: [], kpis };
  const book = c.account.book;
  const escalation = ctx.settings.workspace.escalation;
  return {
    book,
    ownerNames: book?.owner ? ((await ctx.directory.person(book.owner)).names ?? []) : [],
    escalations: c.escalations.map((e) => ({
      area: e.area,
      open: e.closedAt === undefined,
      acknowledged: e.acknowledgedAt !== undefined,
      owners: escalation ? ownersFor(escalation, e.area) : [],
    })),
    risks: c.recentDigests.flatMap((d) => d.risks.map((r) => r.title)),
    signals: c.signals.map((s) => s.kind),
    csat: [
      ...(c.csat.average !== null ? [{ fact: 'measured CSAT', value: c.csat.average }] : []),
      ...c.recentDigests.map((d) => ({ fact: 'estimated CSAT', value: d.csat })),
    ],
    kpis,
  };
}
