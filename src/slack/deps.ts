import type { WebClientOptions } from '@slack/web-api';
import type { Settings } from '../config/load.js';
import type { Enqueue } from '../contracts/jobs.js';
import type { Logger } from '../infra/log.js';
import type { Metrics } from '../infra/metrics.js';

/** What the Slack adapter and every listener are given: settings, log, metrics, and the one way to queue work. */
export interface SlackAdapterDeps {
  settings: Settings;
  log: Logger;
  metrics: Metrics;
  clientOptions: WebClientOptions;
  enqueue: Enqueue;
  /** Drops a channel's cached audience (it was shared or unshared). */
  forgetAudience: (channel: string) => Promise<void>;
}
