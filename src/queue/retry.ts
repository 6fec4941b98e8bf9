import { LunaError } from '../infra/errors.js';

/** Slack platform errors that no retry can fix: the request itself is wrong or not allowed. */
const FINAL_SLACK_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'thread_not_found',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'msg_too_long',
  'invalid_blocks',
  'no_text',
]);

interface SlackSdkError {
  code?: string;
  data?: { error?: string };
  retryAfter?: number;
  statusCode?: number;
}

/** Whether a failed attempt is worth retrying, and how long the far side asked us to wait. */
export function classifyFailure(err: unknown): { retriable: boolean; retryAfterMs: number } {
  if (err instanceof LunaError) {
    const after = (err as { retryAfterMs?: number }).retryAfterMs ?? 0;
    return { retriable: err.retriable, retryAfterMs: after };
  }
  const e = (err ?? {}) as SlackSdkError;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return { retriable: true, retryAfterMs: (e.retryAfter ?? 1) * 1000 };
    case 'slack_webapi_platform_error':
      return { retriable: !FINAL_SLACK_ERRORS.has(e.data?.error ?? ''), retryAfterMs: 0 };
    case 'slack_webapi_http_error':
      return { retriable: (e.statusCode ?? 500) >= 500 || e.statusCode === 429, retryAfterMs: 0 };
    default:
      // Network errors, Redis hiccups, unknown failures: a later attempt may well succeed.
      return { retriable: true, retryAfterMs: 0 };
  }
}
