import { z } from 'zod';
import { channelChoice, emojiName, timezone } from './fields.js';

/**
 * The `requests:` section of `luna.config.yml` (PRODUCT.md, Customer requests): which customer messages become
 * tracked requests, the business hours the SLA clocks run in, and the targets per priority.
 *
 * Times of day are turned into minutes after midnight here, so the clock arithmetic (domain/business-time.ts)
 * never parses text. A daily window that ends the next morning is written with `+1` (`from: "22:00"`,
 * `to: "06:00+1"`): a `to` before `from` without it is far more often a swapped pair than a night shift, so it is
 * an error that says how to write the night shift.
 */

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const SLA_TARGETS = ['firstResponse', 'resolution'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A target as written (`30m`, `4h`, `2d`, `1h30m`); `d` is one business day, whose length depends on `hours`. */
export interface SlaDuration {
  text: string;
  days: number;
  minutes: number;
}

const DURATION_PART = /(\d+(?:\.\d+)?)([dhm])/g;

function parseDuration(raw: string): SlaDuration | undefined {
  const text = raw.replace(/\s+/g, '').toLowerCase();
  if (!/^(?:\d+(?:\.\d+)?[dhm])+$/.test(text)) return undefined;
  let days = 0;
  let minutes = 0;
  for (const [, n, unit] of text.matchAll(DURATION_PART)) {
    const v = Number(n);
    if (unit === 'd') days += v;
    else minutes += unit === 'h' ? v * 60 : v;
  }
  return days + minutes > 0 ? { text, days, minutes } : undefined;
}

const duration = z
  .string({ error: 'must be a duration such as 30m, 4h or 2d (d = one business day)' })
  .transform((s, ctx) => {
    const d = parseDuration(s);
    if (!d) {
      ctx.addIssue({
        code: 'custom',
        message: `"${s}" is not a duration: write 30m, 4h, 2d or 1h30m (d = one business day of requests.hours)`,
      });
      return z.NEVER;
    }
    return d;
  });

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

const from = z
  .string({ error: 'must be a time of day in quotes, such as "09:00"' })
  .regex(CLOCK, 'must be a time of day "HH:MM" (24-hour clock), such as "09:00"')
  .transform(minutesOf);

/** `to` may be `24:00` (the end of the day) or `HH:MM+1` (the next morning, for a window that crosses midnight). */
const to = z
  .string({ error: 'must be a time of day in quotes, such as "18:00"' })
  .regex(
    /^(([01]\d|2[0-3]):[0-5]\d(\+1)?|24:00)$/,
    'must be a time of day "HH:MM" such as "18:00", "24:00" for midnight, or "06:00+1" for the next morning',
  )
  .transform((s) => (s === '24:00' ? 1440 : minutesOf(s) + (s.endsWith('+1') ? 1440 : 0)));

const holiday = z
  .string({ error: 'must be a date in quotes, such as "2026-12-24"' })
  .refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    error: (issue) => `${JSON.stringify(issue.input)} is not a date "YYYY-MM-DD" such as "2026-12-24"`,
  });

const clockText = (m: number) =>
  `${String(Math.floor((m % 1440) / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

export const BusinessHoursSchema = z
  .object({
    timezone,
    days: z
      .array(z.enum(WEEKDAYS, { error: 'must be a day: mon, tue, wed, thu, fri, sat or sun' }))
      .min(1, 'must list at least one working day')
      .default(['mon', 'tue', 'wed', 'thu', 'fri'])
      .transform((d) => [...new Set(d)]),
    /** Minutes after midnight the daily window opens. */
    from: from.default(9 * 60),
    /** Minutes after midnight of the window's day it closes; above 1440 when it closes the next morning. */
    to: to.default(18 * 60),
    /** Dates (in `timezone`) without business time; a window belongs to the day it opens on. */
    holidays: z.array(holiday).default([]),
  })
  .strict()
  .superRefine((h, ctx) => {
    if (h.to === h.from) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `is the same as from (${clockText(h.from)}): the daily window would be empty`,
      });
    } else if (h.to < h.from) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `"${clockText(h.to)}" is before from "${clockText(h.from)}"; for a window that ends the next morning write to: "${clockText(h.to)}+1"`,
      });
    } else if (h.to - h.from > 1440) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `"${clockText(h.to)}+1" is after from "${clockText(h.from)}": a daily window is at most 24 hours`,
      });
    }
  });
export type BusinessHours = z.infer<typeof BusinessHoursSchema>;

const DEFAULT_SLA: Record<Priority, Record<SlaTarget, string>> = {
  urgent: { firstResponse: '30m', resolution: '4h' },
  high: { firstResponse: '1h', resolution: '1d' },
  normal: { firstResponse: '4h', resolution: '3d' },
  low: { firstResponse: '1d', resolution: '5d' },
};

const targets = (p: Priority) =>
  z
    .object({
      firstResponse: duration.prefault(DEFAULT_SLA[p].firstResponse),
      resolution: duration.prefault(DEFAULT_SLA[p].resolution),
    })
    .strict()
    .prefault({});

const priority = z.enum(PRIORITIES, { error: 'must be urgent, high, normal or low' });

export const RequestsSchema = z
  .object({
    /** Customer channels whose customers' messages become requests. */
    channels: channelChoice.default('none'),
    /** Where the triage cards go: an internal channel, by ID. */
    triageChannel: z
      .string()
      .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a channel ID (C…/G…), not a name: copy it from the channel’s details')
      .optional(),
    detection: z.enum(['ai', 'every', 'reaction'], { error: 'must be ai, every or reaction' }).default('ai'),
    requestReaction: emojiName.default('ticket'),
    assignReaction: emojiName.default('eyes'),
    urgentReaction: emojiName.default('rotating_light'),
    groupMinutes: z
      .number({ error: 'must be a number of minutes' })
      .min(0, 'must be 0 (never group) to 60 minutes')
      .max(60, 'must be 0 (never group) to 60 minutes')
      .default(2),
    /** Without it the clocks always run (24/7) and `d` is 24 hours. */
    hours: BusinessHoursSchema.optional(),
    sla: z
      .object({ urgent: targets('urgent'), high: targets('high'), normal: targets('normal'), low: targets('low') })
      .strict()
      .prefault({}),
    warnAt: z
      .number()
      .gt(0, 'must be a share of the target between 0 and 1, such as 0.75')
      .lt(1, 'must be below 1: at 1 the warning would come with the breach')
      .default(0.75),
    /** Keys are account-book plans, matched case-insensitively. */
    priorityByPlan: z.record(z.string().trim().min(1), priority).default({}),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.channels !== 'none' && !r.triageChannel) {
      ctx.addIssue({
        code: 'custom',
        path: ['triageChannel'],
        message: 'is required when requests.channels is not none: each request’s card is posted there',
      });
    }
    if (Array.isArray(r.channels) && r.triageChannel && r.channels.includes(r.triageChannel)) {
      ctx.addIssue({
        code: 'custom',
        path: ['triageChannel'],
        message: 'is one of requests.channels: the triage channel must be internal, customers would read the cards',
      });
    }
    const reactions = [r.requestReaction, r.assignReaction, r.urgentReaction];
    if (new Set(reactions).size < reactions.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['assignReaction'],
        message: 'requestReaction, assignReaction and urgentReaction must be three different emoji',
      });
    }
    const dayMinutes = r.hours ? r.hours.to - r.hours.from : 1440;
    // A bad window is reported on its own; comparing targets in its days would only add noise.
    if (dayMinutes <= 0 || dayMinutes > 1440) return;
    for (const p of PRIORITIES) {
      const t = r.sla[p];
      const minutes = (d: SlaDuration) => d.days * dayMinutes + d.minutes;
      if (minutes(t.resolution) < minutes(t.firstResponse)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sla', p, 'resolution'],
          message: `${t.resolution.text} is shorter than firstResponse ${t.firstResponse.text}: the resolution target must be at least the first-response target`,
        });
      }
    }
  });
export type RequestsConfig = z.infer<typeof RequestsSchema>;
