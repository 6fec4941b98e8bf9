import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { BusinessHoursSchema, type BusinessHours } from '../../src/config/requests.js';
import { businessClock } from '../../src/domain/business-time.js';

const H = 3_600_000;
const M = 60_000;

const hours = (h: Record<string, unknown>): BusinessHours => BusinessHoursSchema.parse(h);
/** An instant given on a zone's wall clock, e.g. at('Europe/Berlin', '2026-03-28T22:00'). */
const at = (zone: string, local: string) => DateTime.fromISO(local, { zone }).toMillis();
const local = (zone: string, t: number) => DateTime.fromMillis(t, { zone }).toFormat("yyyy-MM-dd'T'HH:mm ZZ");

const BERLIN_OFFICE = hours({
  timezone: 'Europe/Berlin',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  from: '09:00',
  to: '18:00',
  holidays: ['2026-12-24', '2026-12-25'],
});
/** Saturday nights only, 22:00 to 06:00 the next morning: the window spans Europe's clock changes (early Sunday). */
const BERLIN_SATURDAY_NIGHTS = hours({ timezone: 'Europe/Berlin', days: ['sat'], from: '22:00', to: '06:00+1' });

describe('business time: working days, windows and holidays', () => {
  const clock = businessClock(BERLIN_OFFICE);
  const B = 'Europe/Berlin';

  it('counts a business day as the window’s length, and a target in it', () => {
    expect(clock.dayMs).toBe(9 * H);
    expect(clock.durationMs({ days: 2, minutes: 30 })).toBe(18 * H + 30 * M);
  });

  it('starts the clock when the window opens and carries what is left to the next working day', () => {
    expect(local(B, clock.add(at(B, '2026-11-02T07:00'), 30 * M))).toBe('2026-11-02T09:30 +01:00');
    // Friday 17:30 + 1h: half an hour on Friday, the rest on Monday morning.
    expect(local(B, clock.add(at(B, '2026-11-06T17:30'), H))).toBe('2026-11-09T09:30 +01:00');
    expect(clock.measure(at(B, '2026-11-06T17:30'), at(B, '2026-11-09T09:30'))).toBe(H);
    // Saturday counts nothing.
    expect(clock.measure(at(B, '2026-11-07T08:00'), at(B, '2026-11-07T20:00'))).toBe(0);
    expect(clock.running(at(B, '2026-11-07T12:00'))).toBe(false);
    expect(clock.running(at(B, '2026-11-09T12:00'))).toBe(true);
    expect(clock.running(at(B, '2026-11-09T18:00'))).toBe(false);
  });

  it('skips holidays: Wednesday 23 December 17:00 + 2h ends on Monday the 28th', () => {
    expect(local(B, clock.add(at(B, '2026-12-23T17:00'), 2 * H))).toBe('2026-12-28T10:00 +01:00');
    expect(clock.measure(at(B, '2026-12-23T00:00'), at(B, '2026-12-28T00:00'))).toBe(9 * H);
  });

  it('measures nothing backwards and adds nothing for zero', () => {
    const t = at(B, '2026-11-02T12:00');
    expect(clock.measure(t, t - H)).toBe(0);
    expect(clock.add(t, 0)).toBe(t);
    // Zero business time from outside the window is that instant, not the next opening.
    expect(clock.add(at(B, '2026-11-07T12:00'), 0)).toBe(at(B, '2026-11-07T12:00'));
  });
});

describe('business time: daylight-saving changes', () => {
  it('Europe/Berlin in March: the Saturday-night window over the change is 7 real hours, and 1d stays 8 business hours', () => {
    const clock = businessClock(BERLIN_SATURDAY_NIGHTS);
    const B = 'Europe/Berlin';
    const open = at(B, '2026-03-28T22:00');
    expect(clock.dayMs).toBe(8 * H);
    expect(clock.measure(open, at(B, '2026-03-29T06:00'))).toBe(7 * H);
    expect(local(B, clock.add(open, 7 * H))).toBe('2026-03-29T06:00 +02:00');
    // 03:30 on the wall clock is 4.5 real hours after 22:00 (02:00–03:00 never happened).
    expect(clock.measure(open, at(B, '2026-03-29T03:30'))).toBe(4.5 * H);
    // One business day from that opening: the short night gives 7h, the next Saturday the last hour.
    expect(local(B, clock.add(open, clock.durationMs({ days: 1, minutes: 0 })))).toBe('2026-04-04T23:00 +02:00');
  });

  it('Europe/Berlin in October: the window over the change is 9 real hours', () => {
    const clock = businessClock(BERLIN_SATURDAY_NIGHTS);
    const B = 'Europe/Berlin';
    const open = at(B, '2026-10-24T22:00');
    expect(clock.measure(open, at(B, '2026-10-25T06:00'))).toBe(9 * H);
    expect(local(B, clock.add(open, 9 * H))).toBe('2026-10-25T06:00 +01:00');
    expect(local(B, clock.add(open, 8 * H))).toBe('2026-10-25T05:00 +01:00');
  });

  it('America/New_York: a weekend over the March change costs no business time, a 24-hour window that day is 23 hours', () => {
    const NY = 'America/New_York';
    const office = businessClock(hours({ timezone: NY, from: '09:00', to: '17:00' }));
    // Friday 12:00 to Monday 12:00 is 71 real hours (clocks sprang forward on Sunday 8 March) but 5h + 3h of business time.
    const fri = at(NY, '2026-03-06T12:00');
    const mon = at(NY, '2026-03-09T12:00');
    expect(mon - fri).toBe(71 * H);
    expect(businessClock(undefined).measure(fri, mon)).toBe(71 * H);
    expect(office.measure(fri, mon)).toBe(8 * H);
    expect(local(NY, office.add(fri, 8 * H))).toBe('2026-03-09T12:00 -04:00');

    const allDay = businessClock(hours({ timezone: NY, days: ['sun'], from: '00:00', to: '24:00' }));
    expect(allDay.measure(at(NY, '2026-03-08T00:00'), at(NY, '2026-03-09T00:00'))).toBe(23 * H);
    expect(allDay.measure(at(NY, '2026-11-01T00:00'), at(NY, '2026-11-02T00:00'))).toBe(25 * H);
    expect(allDay.dayMs).toBe(24 * H);
  });
});

describe('business time: a window that crosses midnight', () => {
  const NIGHTS = hours({
    timezone: 'Europe/Berlin',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    from: '22:00',
    to: '06:00+1',
    holidays: ['2026-11-13'],
  });
  const clock = businessClock(NIGHTS);
  const B = 'Europe/Berlin';

  it('runs from 22:00 to 06:00 the next morning, the window belonging to the day it opens', () => {
    expect(clock.dayMs).toBe(8 * H);
    expect(clock.running(at(B, '2026-11-10T23:00'))).toBe(true);
    expect(clock.running(at(B, '2026-11-11T05:59'))).toBe(true);
    expect(clock.running(at(B, '2026-11-11T06:00'))).toBe(false);
    expect(clock.running(at(B, '2026-11-11T12:00'))).toBe(false);
    // Friday's window runs into Saturday morning; Sunday's does not exist (Sunday is no working day).
    expect(clock.running(at(B, '2026-11-07T03:00'))).toBe(true);
    expect(clock.running(at(B, '2026-11-09T03:00'))).toBe(false);
    expect(local(B, clock.add(at(B, '2026-11-11T05:00'), 2 * H))).toBe('2026-11-11T23:00 +01:00');
  });

  it('drops the whole window of a holiday, but not the one that ends on it', () => {
    // Friday 13 November is a holiday: Thursday's window (ending Friday 06:00) runs, Friday's (into Saturday) does not.
    expect(clock.running(at(B, '2026-11-13T05:00'))).toBe(true);
    expect(clock.running(at(B, '2026-11-13T23:00'))).toBe(false);
    expect(clock.measure(at(B, '2026-11-12T00:00'), at(B, '2026-11-16T12:00'))).toBe(6 * H + 8 * H);
  });
});

describe('business time: around the clock when no hours are configured', () => {
  const clock = businessClock(undefined);

  it('is plain elapsed time, with 1d = 24 hours', () => {
    expect(clock.dayMs).toBe(24 * H);
    expect(clock.add(1_000, 5 * H)).toBe(1_000 + 5 * H);
    expect(clock.measure(1_000, 1_000 + 5 * H)).toBe(5 * H);
    expect(clock.durationMs({ days: 2, minutes: 0 })).toBe(48 * H);
    expect(clock.running(0)).toBe(true);
  });
});

describe('business time: properties', () => {
  const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
  const CALENDARS: Array<BusinessHours | undefined> = [
    undefined,
    BERLIN_OFFICE,
    BERLIN_SATURDAY_NIGHTS,
    ...ZONES.map((timezone) =>
      hours({
        timezone,
        days: ['mon', 'wed', 'sat', 'sun'],
        from: '01:30',
        to: '03:15',
        holidays: ['2026-03-29', '2026-10-25', '2026-11-01'],
      }),
    ),
    ...ZONES.map((timezone) => hours({ timezone, days: ['fri', 'sat', 'sun'], from: '20:00', to: '04:00+1' })),
    hours({ timezone: 'America/New_York', days: ['sun'], from: '00:00', to: '24:00' }),
  ];
  // 2025-2027 covers two spring and two autumn changes in each zone.
  const instant = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 31) });
  const calendar = fc.constantFrom(...CALENDARS.keys());
  const runs = { numRuns: 200 };

  it('measure(t, add(t, d)) is d', () => {
    fc.assert(
      fc.property(calendar, instant, fc.double({ min: 0, max: 10, noNaN: true }), (i, t, days) => {
        const clock = businessClock(CALENDARS[i]);
        const d = Math.round(days * clock.dayMs);
        expect(clock.measure(t, clock.add(t, d))).toBe(d);
      }),
      runs,
    );
  });

  it('add is monotonic in the duration, and never ends before it starts', () => {
    fc.assert(
      fc.property(
        calendar,
        instant,
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (i, t, a, b) => {
          const clock = businessClock(CALENDARS[i]);
          const [d1, d2] = [a, b].map((days) => Math.round(days * clock.dayMs)).sort((x, y) => x - y) as [
            number,
            number,
          ];
          expect(clock.add(t, d1)).toBeLessThanOrEqual(clock.add(t, d2));
          expect(clock.add(t, d1)).toBeGreaterThanOrEqual(t);
        },
      ),
      runs,
    );
  });

  it('measure adds up over a split, and an added deadline with d > 0 falls inside business time', () => {
    fc.assert(
      fc.property(
        calendar,
        instant,
        fc.nat(20 * 24 * H),
        fc.nat(20 * 24 * H),
        fc.double({ min: 0, max: 3, noNaN: true }),
        (i, a, x, y, days) => {
          const clock = businessClock(CALENDARS[i]);
          const d = Math.max(1, Math.round(days * clock.dayMs));
          expect(clock.measure(a, a + x) + clock.measure(a + x, a + x + y)).toBe(clock.measure(a, a + x + y));
          // The last millisecond before the deadline is business time.
          expect(clock.running(clock.add(a, d) - 1)).toBe(true);
        },
      ),
      runs,
    );
  });

  it('is plain elapsed time without hours', () => {
    const clock = businessClock(undefined);
    fc.assert(
      fc.property(instant, fc.nat(100 * 24 * H), (t, d) => {
        expect(clock.add(t, d)).toBe(t + d);
        expect(clock.measure(t, t + d)).toBe(d);
      }),
      runs,
    );
  });
});
