/**
 * Who the bench's mentions come from: a team of 60 people, as in a real workspace, not one person. PRODUCT.md's
 * limits allow 6 mentions a person a minute, so 300 mentions at 100/s (5 each) are all answered; one sender would
 * have 294 of them turned away.
 */
export const BENCH_TEAM = 60;

/** The person who sends mention `i` of a run: `U0TEAM00` … `U0TEAM59`, round robin. */
export function benchUser(i: number): string {
  return `U0TEAM${String(i % BENCH_TEAM).padStart(2, '0')}`;
}

/** Where the realistic config (run.ts) posts escalations. */
export const ESCALATION_CHANNEL = 'C0ESCALATIONS';

/** Every tenth bench question (`question <i>:`) needs a person's decision: the fake model's assessment escalates it. */
export const ESCALATE_EVERY = 10;
