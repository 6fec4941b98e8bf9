import { z } from 'zod';

// One row of the account book, validated: what each column LUNA knows may hold, written as CRMs and
// spreadsheets write it (amounts with currency signs and either decimal mark, US and European dates,
// channels by id or name). Empty cells are absent values.

export const ACCOUNT_STATUSES = ['active', 'renewed', 'churned'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** The columns LUNA reads, by header key; any other column is kept as an extra fact. */
export const KNOWN_COLUMNS = [
  'name',
  'slack_channels',
  'slack_team_id',
  'owner',
  'arr',
  'plan',
  'renewal_date',
  'health',
  'status',
  'status_date',
  'milestones_done',
  'milestones_total',
] as const;

/** Empty cells are absent values, as CRMs export them. */
const blank = (v: unknown) =>
  typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v;
const optional = <S extends z.ZodType>(s: S) => z.preprocess(blank, s.optional());

const CHANNEL = /^(?:[CG][A-Z0-9]{2,}|#?[a-z0-9][a-z0-9._-]{0,79})$/;
const channels = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\s;,]+/).filter(Boolean) : []),
  z.array(z.string().regex(CHANNEL, 'must be channel IDs (C…) or channel names, separated by spaces or semicolons')),
);

/** `120000`, `$120,000`, `120.000,50 €`, `1 200 000`: the last `.` or `,` followed by 1–2 digits is the decimal mark. */
export function parseAmount(raw: string): number | undefined {
  const s = raw.replace(/[\s\u00a0'’]/g, '').replace(/^[^\d-]+|[^\d]+$/g, '');
  if (!/^-?[\d.,]+$/.test(s)) return undefined;
  const decimal = /[.,](\d{1,2})$/.exec(s);
  const whole = (decimal ? s.slice(0, -decimal[0].length) : s).replace(/[.,]/g, '');
  const n = Number(`${whole}${decimal ? `.${decimal[1]}` : ''}`);
  return Number.isFinite(n) ? n : undefined;
}

/** `2026-03-31`, `2026-03-31T00:00:00Z`, `2026-03-31 00:00`, `3/31/2026` (US), `31.03.2026` (European) → `2026-03-31`. */
export function parseDate(raw: string): string | undefined {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/.exec(raw);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(raw);
  const eu = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(raw);
  let y: number, m: number, d: number;
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (us) {
    const [a, b] = [Number(us[1]), Number(us[2])];
    // Month first, as US exports write it, unless the first number cannot be a month.
    [y, m, d] = a > 12 ? [Number(us[3]), b, a] : [Number(us[3]), a, b];
  } else if (eu) [y, m, d] = [Number(eu[3]), Number(eu[2]), Number(eu[1])];
  else return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return date.toISOString().slice(0, 10);
}

const date = (what: string) =>
  optional(
    z.string().transform((v, ctx) => {
      const out = parseDate(v);
      if (!out)
        ctx.addIssue({
          code: 'custom',
          message: `"${v}" is not a date; write the ${what} as 2026-03-31 (or 3/31/2026, 31.03.2026)`,
        });
      return out ?? '';
    }),
  );
const count = optional(
  z.string().transform((v, ctx) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a whole number of milestones (0 or more)` });
    return n;
  }),
);

/** One row, as its known columns' cells (strings) → the values LUNA uses, or issues naming the column at fault. */
export const BookRow = z
  .object({
    name: z.preprocess(blank, z.string({ error: 'is empty: every account needs a name' })),
    slack_channels: channels,
    slack_team_id: optional(z.string().regex(/^[TE][A-Z0-9]{2,}$/, 'must be a Slack team ID (T…)')),
    owner: optional(
      z
        .string()
        .transform((v) => v.replace(/^<@([A-Z0-9]+)(\|[^>]*)?>$/, '$1'))
        .pipe(z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user ID (U…/W…)')),
    ),
    arr: optional(
      z.string().transform((v, ctx) => {
        const n = parseAmount(v);
        if (n === undefined || n < 0)
          ctx.addIssue({ code: 'custom', message: `"${v}" is not an amount; write ARR as a number such as 120000` });
        return n ?? 0;
      }),
    ),
    plan: optional(z.string()),
    renewal_date: date('renewal date'),
    health: optional(z.string()),
    status: optional(
      z
        .string()
        .transform((v) => v.toLowerCase())
        .pipe(
          z.enum(ACCOUNT_STATUSES, {
            error: (i) => `"${String(i.input)}" is not a status; use one of ${ACCOUNT_STATUSES.join(', ')}`,
          }),
        ),
    ),
    status_date: date('status date'),
    milestones_done: count,
    milestones_total: count,
  })
  .superRefine((r, ctx) => {
    if (r.milestones_done !== undefined && r.milestones_total !== undefined && r.milestones_done > r.milestones_total) {
      ctx.addIssue({
        code: 'custom',
        path: ['milestones_done'],
        message: `${r.milestones_done} done is more than the ${r.milestones_total} in total`,
      });
    }
  });
