import type { Context } from '@slack/bolt';
import type { Metrics } from '../infra/metrics.js';

/**
 * Bolt's custom context properties LUNA stamps on every request the moment it arrives (the receivers'
 * `customPropertiesExtractor`), typed once here instead of cast in every listener.
 */
export interface Received {
  /** `performance.now()` at arrival: ack latency covers everything LUNA does before answering. */
  lunaReceivedAt: number;
  /** Epoch ms at arrival: carried in payloads for end-to-end latency. */
  lunaReceivedEpoch: number;
}

export function stampReceived(): Received {
  return { lunaReceivedAt: performance.now(), lunaReceivedEpoch: Date.now() };
}

function received(context: Context): Partial<Received> {
  return context as Partial<Received>;
}

/** When Slack's request reached LUNA (epoch ms). */
export function receivedEpoch(context: Context): number {
  return received(context).lunaReceivedEpoch ?? Date.now();
}

/** Records how long this request took to ack, by surface (`mention`, `command`, `home_opened`…). */
export function observeAck(metrics: Metrics, context: Context, surface: string): void {
  const started = received(context).lunaReceivedAt;
  if (started !== undefined) metrics.ackLatency.observe({ surface }, (performance.now() - started) / 1000);
}
