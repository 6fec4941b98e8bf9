import { ErrorCode, LogLevel, WebClient, type Logger, type WebAPIPlatformError } from '@slack/web-api';
import { expect } from 'vitest';

/** The fake Slack's own tests talk to it through a real WebClient: no retries, no log noise. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

export function clientFor(slack: { url: string }, token = 'xoxb-test'): WebClient {
  return new WebClient(token, { slackApiUrl: slack.url, retryConfig: { retries: 0 }, logger: silentLogger });
}

/** The Slack error string a call was refused with (and that it was refused as a platform error). */
export async function slackError(p: Promise<unknown>): Promise<string | undefined> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as WebAPIPlatformError | undefined;
  expect(err?.code).toBe(ErrorCode.PlatformError);
  return err?.data.error;
}
