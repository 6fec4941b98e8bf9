import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { LunaError } from '../../src/infra/errors.js';
import { classifyModelError, isRetriableStatus, isUnavailable, retryAfterMs } from '../../src/llm/model-errors.js';

const apiError = (status: number, type: string, headers: Record<string, string> = {}) =>
  Anthropic.APIError.generate(
    status,
    { type: 'error', error: { type, message: type } },
    undefined,
    new Headers(headers),
  );

describe('what a failed model call means', () => {
  it('retries exactly the statuses the Anthropic SDK itself retries: 408, 409, 429 and every 5xx (529 included)', () => {
    expect([408, 409, 429, 500, 502, 503, 504, 529].filter(isRetriableStatus)).toEqual([
      408, 409, 429, 500, 502, 503, 504, 529,
    ]);
    expect([200, 400, 401, 402, 403, 404, 413, 422].filter(isRetriableStatus)).toEqual([]);
  });

  it('reads Retry-After in seconds, and nothing it cannot read', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3_000);
    expect(retryAfterMs(new Headers({ 'retry-after': '0.5' }))).toBe(500);
    for (const v of ['', '0', '-2', 'soon', 'Wed, 21 Oct 2026 07:28:00 GMT'])
      expect(retryAfterMs(new Headers({ 'retry-after': v }))).toBe(0);
    expect(retryAfterMs(new Headers())).toBe(0);
    expect(retryAfterMs(undefined)).toBe(0);
  });

  it('classifies: the service’s trouble is retriable and carries its Retry-After; a wrong request is final', () => {
    expect(classifyModelError(apiError(429, 'rate_limit_error', { 'retry-after': '2' }))).toMatchObject({
      retriable: true,
      retryAfterMs: 2_000,
    });
    expect(classifyModelError(apiError(529, 'overloaded_error'))).toMatchObject({ retriable: true, retryAfterMs: 0 });
    expect(classifyModelError(apiError(409, 'conflict_error'))).toMatchObject({ retriable: true });
    expect(classifyModelError(apiError(400, 'invalid_request_error'))).toMatchObject({
      retriable: false,
      code: 'luna_model_unavailable',
    });
    // An error event inside a stream has no status: the service's trouble unless its type blames the request.
    expect(
      classifyModelError(
        Anthropic.APIError.generate(
          undefined,
          { type: 'error', error: { type: 'overloaded_error' } },
          undefined,
          undefined,
        ),
      ).retriable,
    ).toBe(true);
    expect(classifyModelError(new Anthropic.APIConnectionError({ message: 'socket hang up' })).retriable).toBe(true);
  });

  it('an outage is what the same rule retries, a dropped connection or a stalled stream — found down the cause chain', () => {
    expect(isUnavailable(classifyModelError(apiError(529, 'overloaded_error')))).toBe(true);
    expect(isUnavailable(classifyModelError(apiError(408, 'timeout')))).toBe(true);
    expect(isUnavailable(classifyModelError(apiError(401, 'authentication_error')))).toBe(false);
    expect(isUnavailable(new LunaError('luna_model_stalled', 'quiet stream', { retriable: true }))).toBe(true);
    expect(isUnavailable(new Error('unrelated'))).toBe(false);
  });
});
