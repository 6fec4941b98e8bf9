import Anthropic from '@anthropic-ai/sdk';
import { LunaError } from '../infra/errors.js';

// What a failed model call means: worth trying again later or not, how long the API asked us to wait, and
// whether it says "the AI service is unavailable" (the gate then pauses every worker).

/**
 * HTTP statuses worth sending again later. LUNA turns the SDK's own retries off (BullMQ and the model gate
 * retry instead), so this is the SDK's own rule: 408 request timeout, 409 conflict (Anthropic's
 * `conflict_error`: retry once the conflicting change is through; the SDK calls it a lock timeout),
 * 429 rate limit, and every 5xx, 529 `overloaded_error` included.
 */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The Retry-After header (whole or fractional seconds) in milliseconds; 0 when absent or not a positive number. */
export function retryAfterMs(headers: Pick<Headers, 'get'> | undefined): number {
  const s = Number(headers?.get('retry-after'));
  return Number.isFinite(s) && s > 0 ? s * 1000 : 0;
}

/** Error types that mean the request itself is wrong, even when they arrive inside a stream. */
const REQUEST_ERRORS = new Set([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
]);

/** A retriable status, an overload mid-stream or a dropped connection is worth retrying; another 4xx means our request is wrong. */
export function classifyModelError(err: unknown): LunaError {
  if (err instanceof LunaError) return err;
  if (err instanceof Anthropic.APIConnectionError) {
    return new LunaError('luna_model_unavailable', `Anthropic unreachable: ${err.message}`, {
      retriable: true,
      cause: err,
    });
  }
  if (err instanceof Anthropic.APIError) {
    const status = Number(err.status ?? 0);
    // No status: an `error` event in the middle of a stream (overloaded_error, api_error), the service's trouble, not the request's.
    const type = (err as { type?: unknown }).type;
    const midStream = err.status === undefined && !(typeof type === 'string' && REQUEST_ERRORS.has(type));
    const retriable = midStream || isRetriableStatus(status);
    return new LunaError('luna_model_unavailable', `Anthropic answered ${status}: ${err.message}`, {
      retriable,
      cause: err,
      retryAfterMs: retryAfterMs((err as { headers?: Headers }).headers),
    });
  }
  return new LunaError('luna_model_unavailable', `model call failed: ${(err as Error)?.message ?? String(err)}`, {
    retriable: true,
    cause: err,
  });
}

/**
 * Whether a failure means "the AI service is unavailable right now" — a retriable status, a timeout, a dropped
 * connection, a stalled stream — rather than "this request is wrong" (a 4xx LUNA must not repeat).
 */
export function isUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Anthropic.APIConnectionError) return true;
    if (e instanceof Anthropic.APIError) return isRetriableStatus(Number(e.status ?? 0));
    if (
      e instanceof LunaError &&
      (e.code === 'luna_model_stalled' || (e.code === 'luna_model_unavailable' && e.retriable && !e.cause))
    )
      return true;
  }
  return false;
}
