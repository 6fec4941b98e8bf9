import { DateTime } from 'luxon';
import type { BusinessHours, SlaDuration, Weekday } from '../config/requests.js';

/**
 * Business time: the instants inside `requests.hours` (time zone, working days, a daily window, holidays), with
 * Luxon doing every calendar step, so daylight-saving changes come from the IANA database, never from offset
 * arithmetic of ours. Without hours the clock always runs (24/7).
 *
 * Each working day that is no holiday has one window, from `from` to `to` in its time zone's wall clock; a window
 * that closes the next morning (`to` above 24:00) belongs to the day it opens on, holidays and working days
 * included. Business time is the real time that passes inside windows: on the night the clocks change, a
 * window over the change is an hour shorter or longer. `d` in a target is the window's length as written
 * (09:00–18:00 makes `1d` nine business hours), so a target means the same on every day.
 *
 * Times are epoch milliseconds throughout.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
/** A calendar with some working time finds it within this many days; more means there is none. */
const MAX_DAYS = 3_660;
const LUXON_WEEKDAY: Record<Weekday, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

export interface BusinessClock {
  /** The instant `ms` of business time after `start` (`start` itself for 0). */
  add(start: number, ms: number): number;
  /** Business time between two instants; 0 when `end` is not after `start`. */
  measure(start: number, end: number): number;
  /** One business day (`1d`): the daily window's length, or 24 hours around the clock. */
  readonly dayMs: number;
  /** A target as business milliseconds. */
  durationMs(d: Pick<SlaDuration, 'days' | 'minutes'>): number;
  /** Whether the clock runs at `t`. */
  running(t: number): boolean;
}

export function businessClock(hours: BusinessHours | undefined): BusinessClock {
  return hours ? new WindowedClock(hours) : ALWAYS;
}

const ALWAYS: BusinessClock = {
  add: (start, ms) => start + Math.max(0, ms),
  measure: (start, end) => Math.max(0, end - start),
  dayMs: DAY,
  durationMs: (d) => Math.round(d.days * DAY + d.minutes * MINUTE),
  running: () => true,
};

class WindowedClock implements BusinessClock {
  readonly dayMs: number;
  private readonly days: ReadonlySet<number>;
  private readonly holidays: ReadonlySet<string>;

  constructor(private readonly hours: BusinessHours) {
    this.dayMs = (hours.to - hours.from) * MINUTE;
    this.days = new Set(hours.days.map((d) => LUXON_WEEKDAY[d]));
    this.holidays = new Set(hours.holidays);
  }

  durationMs(d: Pick<SlaDuration, 'days' | 'minutes'>): number {
    return Math.round(d.days * this.dayMs + d.minutes * MINUTE);
  }

  add(start: number, ms: number): number {
    let left = Math.max(0, ms);
    if (left === 0) return start;
    for (const [open, close] of this.windowsFrom(start)) {
      const from = Math.max(open, start);
      if (left <= close - from) return from + left;
      left -= close - from;
    }
    throw new Error('unreachable: windowsFrom ends only by throwing');
  }

  measure(start: number, end: number): number {
    let total = 0;
    if (end <= start) return 0;
    for (const [open, close] of this.windowsFrom(start)) {
      if (open >= end) break;
      total += Math.min(close, end) - Math.max(open, start);
    }
    return total;
  }

  running(t: number): boolean {
    const [first] = this.windowsFrom(t);
    return first !== undefined && first[0] <= t;
  }

  /**
   * The windows that close after `t`, in order, as [open, close) instants. It starts a day early, since
   * yesterday's window may run past midnight into today.
   */
  private *windowsFrom(t: number): Generator<[number, number]> {
    const zone = this.hours.timezone;
    const first = DateTime.fromMillis(t, { zone }).startOf('day').minus({ days: 1 });
    for (let i = 0; i < MAX_DAYS; i++) {
      const day = first.plus({ days: i });
      if (!this.days.has(day.weekday) || this.holidays.has(day.toISODate() ?? '')) continue;
      const open = wallClock(day, this.hours.from);
      const close = wallClock(day, this.hours.to);
      if (close > t) yield [open, close];
    }
    throw new Error(`requests.hours has no working time within ${MAX_DAYS} days of ${new Date(t).toISOString()}`);
  }
}

/**
 * The instant `minutes` after the start of `day` on its wall clock (1440 and more: the next day's). A time the
 * clocks skip (02:30 on a spring-forward night) is the instant after the gap, as Luxon resolves it.
 */
function wallClock(day: DateTime, minutes: number): number {
  const d = minutes >= 1440 ? day.plus({ days: 1 }) : day;
  const m = minutes % 1440;
  return DateTime.fromObject(
    { year: d.year, month: d.month, day: d.day, hour: Math.floor(m / 60), minute: m % 60 },
    { zone: d.zone },
  ).toMillis();
}
