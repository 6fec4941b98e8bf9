import { LunaError } from '../infra/errors.js';
import { isRedisConnectionLoss } from '../infra/redis.js';
import { fromSlackError } from '../slack-api/errors.js';

/**
 * Every failure a job can meet, as a LunaError: LUNA's own errors as they are, Slack's with their error
 * string and Retry-After, a lost Redis connection as luna_redis_unavailable, and anything else (network errors) as retriable: a later
 * attempt may well succeed.
 */
export function asLunaError(err: unknown): LunaError {
  if (err instanceof LunaError) return err;
  const slack = fromSlackError(err);
  if (slack) return slack;
  const message = (err as Error | undefined)?.message ?? String(err);
  // The Slack client could not encode a value (a lone UTF-16 surrogate): the same value fails the same way every time.
  if (err instanceof URIError)
    return new LunaError('luna_unexpected', `a value could not be sent: ${message}`, { retriable: false, cause: err });
  if (isRedisConnectionLoss(err))
    return new LunaError('luna_redis_unavailable', `Redis is unreachable: ${message}`, { retriable: true, cause: err });
  return new LunaError('luna_unexpected', message, { retriable: true, cause: err });
}

/** Whether a failed attempt is worth retrying, and how long the far side asked us to wait. */
export function classifyFailure(err: unknown): { retriable: boolean; retryAfterMs: number } {
  const e = asLunaError(err);
  return { retriable: e.retriable, retryAfterMs: e.retryAfterMs };
}
