/**
 * Retry delay: exponential from `baseMs`, with "equal jitter" (half fixed, half random) so a burst of
 * failures does not retry in lock-step, and never sooner than a server's Retry-After.
 */
export function retryDelayMs(attemptsMade: number, baseMs: number, retryAfterMs = 0, random = Math.random): number {
  const exp = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  const capped = Math.min(exp, 10 * 60_000);
  const jittered = capped / 2 + (capped / 2) * random();
  return Math.round(Math.max(jittered, retryAfterMs));
}
