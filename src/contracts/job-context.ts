import type Anthropic from '@anthropic-ai/sdk';
import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Settings } from '../config/load.js';
import type { MentionPolicy } from '../domain/mention-safety.js';
import type { Metrics } from '../infra/metrics.js';
import type { Logger } from '../infra/log.js';
import type { Enqueue } from './jobs.js';
import type { StatsRecorder } from '../stores/stats.js';

/** What every job handler is given: clients for the outside world, settings, and who LUNA is in Slack. */
export interface JobContext {
  slack: WebClient;
  anthropic: Anthropic;
  redis: Redis;
  settings: Settings;
  log: Logger;
  metrics: Metrics;
  identity: { botUserId: string; botId: string };
  /** Aggregates for the App Home dashboard. */
  stats: StatsRecorder;
  /** Jobs queue follow-up work (timers, escalations) the same way adapters do. */
  enqueue: Enqueue;
}

/** Who an answer may tag: the thread's own participants plus every configured owner and handle. */
export function mentionPolicy(settings: Settings, participants: Iterable<string>): MentionPolicy {
  const ids = [
    ...Object.values(settings.workspace.handles),
    ...(settings.workspace.escalation?.owners.flatMap((o) => o.notify) ?? []),
    ...(settings.workspace.escalation?.fallback ?? []),
  ];
  return {
    users: new Set([...participants, ...ids.filter((id) => !id.startsWith('S'))]),
    groups: new Set(ids.filter((id) => id.startsWith('S'))),
  };
}
