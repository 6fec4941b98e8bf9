import { randomUUID } from 'node:crypto';
import type { Logger } from '../infra/log.js';
import type { DataMarker } from '../stores/marker.js';

export interface DataLossWatchOptions {
  marker: DataMarker;
  log: Logger;
  /** Where Redis is (host:port), for the log line. */
  where: string;
  /** What this process re-creates when the data is gone (workers: schedules and timers; web: nothing). */
  recover: () => Promise<Record<string, number>>;
  /** How often the marker is checked (it is also checked each time the connection comes back). @defaultValue 10 s */
  intervalMs?: number;
}

/**
 * Notices when Redis has lost LUNA's data while LUNA runs — a restart without persistence, FLUSHALL, a
 * failover to an empty replica — by the marker planted at start-up being gone, and re-creates what LUNA
 * itself owns (digest Job Schedulers, follow-up timers of open escalations) without a restart. Queued
 * jobs that were lost cannot be re-created: Slack does not redeliver what it got a 200 for.
 */
export class DataLossWatch {
  private known: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;
  private stopped = false;
  private readonly intervalMs: number;

  constructor(private readonly o: DataLossWatchOptions) {
    this.intervalMs = o.intervalMs ?? 10_000;
  }

  async start(): Promise<void> {
    this.known = await this.o.marker.plant(randomUUID());
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  /** True when the data was found lost (and recovery ran). Errors (Redis away) wait for the next check. */
  check(): Promise<boolean> {
    this.running ??= this.checkOnce()
      .catch(() => false)
      .finally(() => (this.running = undefined));
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async checkOnce(): Promise<boolean> {
    if (this.stopped || this.known === undefined) return false;
    const seen = await this.o.marker.read();
    if (seen === this.known) return false;
    // Gone, or planted anew by another process that noticed first: either way the data before it is lost.
    this.known = await this.o.marker.plant(randomUUID());
    this.o.log.warn(
      `Redis at ${this.o.where} lost LUNA's data (the marker planted at start-up is gone); queued jobs and state written before are lost, re-creating schedules and timers`,
      {
        where: this.o.where,
      },
    );
    const recreated = await this.o.recover();
    this.o.log.info('re-created what LUNA owns after Redis lost its data', { where: this.o.where, ...recreated });
    return true;
  }
}
