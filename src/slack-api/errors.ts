import { ErrorCode } from '@slack/web-api';
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
  message?: string;
  data?: { error?: string };
  retryAfter?: number;
  statusCode?: number;
}

/**
 * A `@slack/web-api` error as a LunaError (`luna_slack_failed`) carrying Slack's error string, whether a
 * retry can help and Slack's Retry-After; undefined for anything the Slack SDK did not throw.
 */
export function fromSlackError(err: unknown): LunaError | undefined {
  if (err instanceof LunaError) return err.code === 'luna_slack_failed' ? err : undefined;
  const e = (err ?? {}) as SlackSdkError;
  const opts = { cause: err };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return new LunaError('luna_slack_failed', message(e), { ...opts, retriable: true, retryAfterMs: (e.retryAfter ?? 1) * 1000, slackError: 'ratelimited' });
    case ErrorCode.PlatformError: {
      const slackError = e.data?.error ?? '';
      return new LunaError('luna_slack_failed', message(e), { ...opts, retriable: !FINAL_SLACK_ERRORS.has(slackError), slackError });
    }
    case ErrorCode.HTTPError:
      return new LunaError('luna_slack_failed', message(e), { ...opts, retriable: (e.statusCode ?? 500) >= 500 || e.statusCode === 429 });
    case ErrorCode.RequestError:
      return new LunaError('luna_slack_failed', message(e), { ...opts, retriable: true });
    default:
      return undefined;
  }
}

/** Slack's error string for a refused call (`not_in_channel`, `already_reacted`…), from a raw or converted error. */
export function slackErrorCode(err: unknown): string | undefined {
  return fromSlackError(err)?.slackError;
}

function message(e: SlackSdkError): string {
  return e.message ?? 'Slack API call failed';
}
