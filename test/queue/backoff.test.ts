import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/domain/backoff.js';
import { asLunaError, classifyFailure } from '../../src/queue/retry.js';
import { cannotSucceed } from '../../src/slack-api/errors.js';
import { LunaError } from '../../src/infra/errors.js';

describe('retryDelayMs', () => {
  it('doubles per attempt with jitter between half and the full delay', () => {
    expect(retryDelayMs(1, 1000, 0, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 0, () => 1)).toBe(1000);
    expect(retryDelayMs(3, 1000, 0, () => 1)).toBe(4000);
    const samples = new Set(Array.from({ length: 50 }, () => retryDelayMs(2, 1000)));
    expect(samples.size).toBeGreaterThan(10); // jitter actually spreads retries
  });

  it('never retries sooner than Retry-After', () => {
    expect(retryDelayMs(1, 100, 30_000, () => 0.5)).toBe(30_000);
  });
});

describe('classifyFailure', () => {
  it('retries outages and rate limits, not requests Slack will always refuse', () => {
    expect(classifyFailure(new LunaError('luna_model_unavailable', '529', { retriable: true })).retriable).toBe(true);
    expect(
      classifyFailure(Object.assign(new Error('x'), { code: 'slack_webapi_rate_limited_error', retryAfter: 7 })),
    ).toEqual({
      retriable: true,
      retryAfterMs: 7000,
    });
    expect(
      classifyFailure(
        Object.assign(new Error('x'), { code: 'slack_webapi_platform_error', data: { error: 'channel_not_found' } }),
      ).retriable,
    ).toBe(false);
    expect(
      classifyFailure(
        Object.assign(new Error('x'), { code: 'slack_webapi_platform_error', data: { error: 'internal_error' } }),
      ).retriable,
    ).toBe(true);
    expect(
      classifyFailure(Object.assign(new Error('x'), { code: 'slack_webapi_http_error', statusCode: 503 })).retriable,
    ).toBe(true);
  });

  it('ends a job that can never succeed: a place Slack says is not there, arguments it refuses, a value that cannot be sent', () => {
    const platform = (error: string) =>
      Object.assign(new Error('x'), { code: 'slack_webapi_platform_error', data: { error } });
    for (const error of [
      'invalid_arguments',
      'thread_not_found',
      'message_not_found',
      'invalid_ts',
      'bad_timestamp',
      'user_not_in_channel',
    ]) {
      expect(classifyFailure(platform(error)).retriable, error).toBe(false);
      expect(cannotSucceed(asLunaError(platform(error))), error).toBe(true);
    }
    const malformed = new URIError('URI malformed'); // what the Slack client throws for a lone surrogate
    expect(classifyFailure(malformed).retriable).toBe(false);
    expect(cannotSucceed(asLunaError(malformed))).toBe(true);
    // Final, but about LUNA's own set-up, not the request: an error, not a quiet end.
    expect(cannotSucceed(asLunaError(platform('invalid_auth')))).toBe(false);
    expect(cannotSucceed(asLunaError(platform('internal_error')))).toBe(false);
  });
});
