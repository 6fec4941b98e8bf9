import type { JobContext } from '../contracts/job-context.js';
import { tokensSpent, type ModelUsage } from '../infra/metrics.js';
import { utcDay } from '../stores/signals.js';

// The signals' daily token budget (`signals.dailyTokenBudget`, a UTC day), shared by everything that reads customers'
// messages without being asked: signal batches and request detection. A call is estimated before it is sent and
// sent only if the estimate fits; its real usage is added after.

export class SignalBudget {
  private constructor(
    private readonly ctx: Pick<JobContext, 'stores' | 'metrics' | 'settings'>,
    private readonly day: string,
    private spent: number,
  ) {}

  /** Today's budget, as spent so far by every process. */
  static async today(
    ctx: Pick<JobContext, 'stores' | 'metrics' | 'settings'>,
    now = Date.now(),
  ): Promise<SignalBudget> {
    const day = utcDay(now);
    const spent = await ctx.stores.signals.spent(day);
    ctx.metrics.signalTokens.set(spent);
    return new SignalBudget(ctx, day, spent);
  }

  get limit(): number {
    return this.ctx.settings.workspace.signals.dailyTokenBudget;
  }

  get spentSoFar(): number {
    return this.spent;
  }

  /** Whether a call of about `estimate` tokens still fits today; if it does, it is counted until its usage is known. */
  take(estimate: number): boolean {
    if (this.spent + estimate > this.limit) return false;
    this.spent += estimate;
    return true;
  }

  /** A call's real usage, added to the day's counter every process reads. */
  async spend(usage: ModelUsage): Promise<void> {
    this.ctx.metrics.recordUsage(usage);
    this.ctx.metrics.signalTokens.set(await this.ctx.stores.signals.spend(this.day, tokensSpent(usage)));
  }
}
