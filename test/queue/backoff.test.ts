import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/domain/backoff.js';
import { classifyFailure } from '../../src/queue/retry.js';
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
    expect(classifyFailure(Object.assign(new Error('x'), { code: 'slack_webapi_rate_limited_error', retryAfter: 7 }))).toEqual({
      retriable: true,
      retryAfterMs: 7000,
    });
    expect(classifyFailure(Object.assign(new Error('x'), { code: 'slack_webapi_platform_error', data: { error: 'channel_not_found' } })).retriable).toBe(false);
    expect(classifyFailure(Object.assign(new Error('x'), { code: 'slack_webapi_platform_error', data: { error: 'internal_error' } })).retriable).toBe(true);
    expect(classifyFailure(Object.assign(new Error('x'), { code: 'slack_webapi_http_error', statusCode: 503 })).retriable).toBe(true);
  });
});
