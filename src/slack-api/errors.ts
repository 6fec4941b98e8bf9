import { ErrorCode } from '@slack/web-api';
import { LunaError } from '../infra/errors.js';

/**
 * Slack errors that say the request names a conversation, thread or message that does not exist (or a person who is
 * not in it), or is itself malformed: it can never succeed, and there is nobody there to tell.
 */
const NOWHERE = new Set([
  'channel_not_found',
  'thread_not_found',
  'message_not_found',
  'invalid_ts',
  'bad_timestamp',
  'invalid_arguments',
  'user_not_in_channel',
]);

/** Slack platform errors that no retry can fix: the request itself is wrong or not allowed. */
const FINAL_SLACK_ERRORS = new Set([
  ...NOWHERE,
  'not_in_channel',
  'is_archived',
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
      return new LunaError('luna_slack_failed', message(e), {
        ...opts,
        retriable: true,
        retryAfterMs: (e.retryAfter ?? 1) * 1000,
        slackError: 'ratelimited',
      });
    case ErrorCode.PlatformError: {
      const slackError = e.data?.error ?? '';
      return new LunaError('luna_slack_failed', message(e), {
        ...opts,
        retriable: !FINAL_SLACK_ERRORS.has(slackError),
        slackError,
      });
    }
    case ErrorCode.HTTPError:
      return new LunaError('luna_slack_failed', message(e), {
        ...opts,
        retriable: (e.statusCode ?? 500) >= 500 || e.statusCode === 429,
      });
    case ErrorCode.RequestError:
      return new LunaError('luna_slack_failed', message(e), { ...opts, retriable: true });
    default:
      return undefined;
  }
}

/**
 * Whether a failure says this job can never succeed because of what it is about — Slack says its conversation,
 * thread or message does not exist or the request is malformed, or a value in it cannot even be sent (a lone
 * UTF-16 surrogate makes the client's URI encoding throw). Such a job ends at once with one warning, not an error.
 */
export function cannotSucceed(err: unknown): boolean {
  const cause = err instanceof LunaError ? err.cause : err;
  if (cause instanceof URIError) return true;
  const slack = slackErrorCode(err);
  return slack !== undefined && NOWHERE.has(slack);
}

/** Slack's error string for a refused call (`not_in_channel`, `already_reacted`…), from a raw or converted error. */
export function slackErrorCode(err: unknown): string | undefined {
  return fromSlackError(err)?.slackError;
}

function message(e: SlackSdkError): string {
  return e.message ?? 'Slack API call failed';
}
