import { LunaError } from '../infra/errors.js';
import { fromSlackError } from '../slack-api/errors.js';

/**
 * Every failure a job can meet, as a LunaError: LUNA's own errors as they are, Slack's with their error
 * string and Retry-After, and anything else (network errors, Redis hiccups) as retriable: a later
 * attempt may well succeed.
 */
export function asLunaError(err: unknown): LunaError {
  if (err instanceof LunaError) return err;
  return fromSlackError(err) ?? new LunaError('luna_unexpected', (err as Error | undefined)?.message ?? String(err), { retriable: true, cause: err });
}

/** Whether a failed attempt is worth retrying, and how long the far side asked us to wait. */
export function classifyFailure(err: unknown): { retriable: boolean; retryAfterMs: number } {
  const e = asLunaError(err);
  return { retriable: e.retriable, retryAfterMs: e.retryAfterMs };
}
