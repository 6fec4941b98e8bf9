import { describe, expect, it } from 'vitest';
import { problemsOf, withConfig } from '../helpers/config.js';

const load = (yaml: string) => withConfig(yaml);
const problems = (yaml: string) => problemsOf(withConfig(yaml));

/** PRODUCT.md's example, as a CS lead would paste it. */
const EXAMPLE = `
requests:
  channels: all
  triageChannel: C0TRIAGE
  detection: ai
  requestReaction: ticket
  assignReaction: eyes
  urgentReaction: rotating_light
  groupMinutes: 2
  hours:
    timezone: Europe/Berlin
    days: [mon, tue, wed, thu, fri]
    from: "09:00"
    to: "18:00"
    holidays: ["2026-12-24", "2026-12-25"]
  sla:
    urgent: { firstResponse: 30m, resolution: 4h }
    high:   { firstResponse: 1h,  resolution: 1d }
    normal: { firstResponse: 4h,  resolution: 3d }
    low:    { firstResponse: 1d,  resolution: 5d }
  warnAt: 0.75
  priorityByPlan:
    Enterprise: high
`;

describe('luna.config.yml: requests', () => {
  it('reads PRODUCT.md’s example: times of day as minutes, targets as days and minutes', async () => {
    const r = (await load(EXAMPLE)).workspace.requests;
    expect(r.channels).toBe('all');
    expect(r.triageChannel).toBe('C0TRIAGE');
    expect(r.hours).toEqual({
      timezone: 'Europe/Berlin',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      from: 540,
      to: 1080,
      holidays: ['2026-12-24', '2026-12-25'],
    });
    expect(r.sla.urgent.firstResponse).toEqual({ text: '30m', days: 0, minutes: 30 });
    expect(r.sla.high.resolution).toEqual({ text: '1d', days: 1, minutes: 0 });
    expect(r.priorityByPlan).toEqual({ Enterprise: 'high' });
  });

  it('is off by default, with PRODUCT.md’s defaults and the clocks running around the clock', async () => {
    const r = (await load('persona: luna\n')).workspace.requests;
    expect(r).toMatchObject({
      channels: 'none',
      detection: 'ai',
      requestReaction: 'ticket',
      assignReaction: 'eyes',
      urgentReaction: 'rotating_light',
    });
    expect(r).toMatchObject({ groupMinutes: 2, warnAt: 0.75, priorityByPlan: {} });
    expect(r.hours).toBeUndefined();
    expect(r.triageChannel).toBeUndefined();
    expect(
      Object.fromEntries(Object.entries(r.sla).map(([p, t]) => [p, `${t.firstResponse.text}/${t.resolution.text}`])),
    ).toEqual({
      urgent: '30m/4h',
      high: '1h/1d',
      normal: '4h/3d',
      low: '1d/5d',
    });
  });

  it('keeps the defaults of a priority it is not told about, and of a target left out', async () => {
    const r = (
      await load(
        'requests:\n  sla:\n    urgent: { firstResponse: 15m }\n    normal: { firstResponse: 1h, resolution: 1h30m }\n',
      )
    ).workspace.requests;
    expect(r.sla.urgent.firstResponse.minutes).toBe(15);
    expect(r.sla.urgent.resolution.text).toBe('4h');
    expect(r.sla.normal.resolution).toEqual({ text: '1h30m', days: 0, minutes: 90 });
    expect(r.sla.low.resolution.text).toBe('5d');
  });

  it('takes a window that crosses midnight when it says so with +1, and 24:00 as the end of the day', async () => {
    const night = (
      await load('requests:\n  hours: { timezone: Asia/Tokyo, days: [mon], from: "22:00", to: "06:00+1" }\n')
    ).workspace.requests.hours;
    expect(night).toMatchObject({ from: 22 * 60, to: 30 * 60 });
    const day = (await load('requests:\n  hours: { timezone: UTC, from: "00:00", to: "24:00" }\n')).workspace.requests
      .hours;
    expect(day).toMatchObject({ from: 0, to: 1440, days: ['mon', 'tue', 'wed', 'thu', 'fri'] });
  });

  it('names each bad field with what it must be', async () => {
    const found = await problems(`
requests:
  channels: [acme-shared]
  triageChannel: "#triage"
  detection: sometimes
  groupMinutes: -1
  hours:
    timezone: Europe/Berlyn
    days: [mon, funday]
    from: "9am"
    to: "18:00"
    holidays: ["2026-12-24", "2026-02-30", "Christmas"]
  sla:
    urgent: { firstResponse: soon, resolution: 4h }
    medium: { firstResponse: 1h }
  warnAt: 1
  priorityByPlan:
    Enterprise: critical
`);
    const where = (f: string) => found.find((p) => p.startsWith(`luna.config.yml: requests.${f}:`));
    expect(where('channels[0]')).toMatch(/must be a Slack channel ID/);
    expect(where('triageChannel')).toMatch(/must be a channel ID \(C…\/G…\), not a name/);
    expect(where('detection')).toMatch(/must be ai, every or reaction/);
    expect(where('groupMinutes')).toMatch(/0 \(never group\) to 60 minutes/);
    expect(where('hours.timezone')).toMatch(/IANA time zone/);
    expect(where('hours.days[1]')).toMatch(/mon, tue/);
    expect(where('hours.from')).toMatch(/"HH:MM"/);
    expect(where('hours.holidays[1]')).toMatch(/"2026-02-30" is not a date "YYYY-MM-DD"/);
    expect(where('hours.holidays[2]')).toMatch(/"Christmas" is not a date/);
    expect(where('sla.urgent.firstResponse')).toMatch(/"soon" is not a duration: write 30m, 4h, 2d/);
    expect(where('sla')).toMatch(/unknown field medium/);
    expect(where('warnAt')).toMatch(/must be below 1/);
    expect(where('priorityByPlan.Enterprise')).toMatch(/must be urgent, high, normal or low/);
  });

  it('refuses a "to" before "from" without +1, and says how to write a night shift', async () => {
    const found = await problems('requests:\n  hours: { timezone: Europe/Berlin, from: "18:00", to: "09:00" }\n');
    expect(found).toEqual([
      'luna.config.yml: requests.hours.to: "09:00" is before from "18:00"; for a window that ends the next morning write to: "09:00+1"',
    ]);
    expect(await problems('requests:\n  hours: { timezone: UTC, from: "09:00", to: "09:00" }\n')).toEqual([
      'luna.config.yml: requests.hours.to: is the same as from (09:00): the daily window would be empty',
    ]);
    expect(await problems('requests:\n  hours: { timezone: UTC, from: "09:00", to: "10:00+1" }\n')).toEqual([
      'luna.config.yml: requests.hours.to: "10:00+1" is after from "09:00": a daily window is at most 24 hours',
    ]);
  });

  it('needs a triage channel once requests are on, never one of the request channels, and three different reactions', async () => {
    expect(await problems('requests:\n  channels: all\n')).toEqual([
      'luna.config.yml: requests.triageChannel: is required when requests.channels is not none: each request’s card is posted there',
    ]);
    expect(await problems('requests:\n  channels: [C0ACME]\n  triageChannel: C0ACME\n')).toEqual([
      'luna.config.yml: requests.triageChannel: is one of requests.channels: the triage channel must be internal, customers would read the cards',
    ]);
    expect((await problems('requests:\n  assignReaction: ticket\n'))[0]).toMatch(
      /requests.assignReaction: requestReaction, assignReaction and urgentReaction must be three different emoji/,
    );
  });

  it('refuses a resolution target shorter than the first response, in business days of the configured hours', async () => {
    // With 09:00–12:00, 1d is three hours: shorter than 4h.
    expect(
      await problems(
        'requests:\n  hours: { timezone: UTC, from: "09:00", to: "12:00" }\n  sla:\n    high: { firstResponse: 4h, resolution: 1d }\n',
      ),
    ).toEqual([
      'luna.config.yml: requests.sla.high.resolution: 1d is shorter than firstResponse 4h: the resolution target must be at least the first-response target',
    ]);
  });
});
