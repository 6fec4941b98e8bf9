import type { JobContext } from '../contracts/job-context.js';
import type { DigestRecord } from '../domain/digest.js';
import { truncate } from '../domain/text.js';
import type { EscalationRecord } from '../stores/escalations.js';

// The hooks that feed account memory from the flows that already exist: a posted digest, an escalation
// opened, an escalation acknowledged or closed. Each is one call in its flow, idempotent (a retried job
// records nothing twice) and never fails the flow it sits in: memory is secondary to the post.

/** A digest of an account's channel: its CSAT estimate, theme titles and churn risks (model-written, no messages). */
export async function rememberDigest(ctx: JobContext, record: DigestRecord): Promise<void> {
  await quietly(ctx, 'digest', async () => {
    const account = await ctx.accounts.forChannel(record.scope.channel);
    if (!account) return;
    await ctx.stores.accounts.rememberDigest(account.id, {
      id: record.id,
      at: record.createdAt,
      csat: record.digest.csat.estimate,
      themes: record.digest.themes.slice(0, 8).map((t) => truncate(t.title, 80)),
      risks: record.digest.churnRisks
        .slice(0, 5)
        .map((r) => ({ title: truncate(r.signal, 160), area: r.area, confidence: r.confidence })),
    });
  });
}

/** An escalation of a thread in an account's channel. */
export async function rememberEscalation(ctx: JobContext, record: EscalationRecord): Promise<void> {
  await quietly(ctx, 'escalation', async () => {
    const account = await ctx.accounts.forChannel(record.channel);
    if (!account) return;
    await ctx.stores.accounts.escalationOpened(account.id, {
      id: record.id,
      area: record.area,
      channel: record.channel,
      threadTs: record.threadTs,
      openedAt: record.createdAt,
    });
  });
}

/** Acknowledged or taken: acknowledged; marked not strategic: closed. */
export async function rememberEscalationAction(
  ctx: JobContext,
  id: string,
  action: 'acknowledged' | 'taken' | 'not_strategic',
  at: number,
): Promise<void> {
  await quietly(ctx, 'escalation action', () =>
    ctx.stores.accounts.escalationUpdate(id, action === 'not_strategic' ? { closedAt: at } : { acknowledgedAt: at }),
  );
}

async function quietly(ctx: JobContext, what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    ctx.log.warn(`could not record the ${what} in account memory`, { err });
  }
}
