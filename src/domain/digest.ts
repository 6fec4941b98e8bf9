import { z } from 'zod';

/**
 * The feedback digest: what the model returns (structured output, validated by this schema) and what
 * LUNA stores and renders. Every claim cites the messages it rests on by their label (`m12` = the 12th
 * message of the digest's input); labels become permalinks when rendered.
 *
 * Constraints the JSON schema cannot carry (numeric ranges) are not put in zod either — structured outputs
 * do not enforce them, so a zod check would reject valid answers. They are clamped in `resolveCitations`.
 */
const Sources = z
  .array(z.string())
  .min(1)
  .describe('Labels of the messages this rests on, e.g. ["m3", "m17"]: the most representative ones, at most 8');
const Claim = z.object({ text: z.string(), sources: Sources });

export const SENTIMENTS = ['positive', 'leaning_positive', 'mixed', 'leaning_negative', 'negative'] as const;

export const DigestSchema = z.object({
  themes: z.array(
    z.object({
      title: z.string().describe('A few words naming the theme'),
      count: z.int().describe('How many messages raise this theme'),
      summary: z.string(),
      sources: Sources,
    }),
  ),
  sentiment: z.object({ overall: z.enum(SENTIMENTS), summary: z.string(), sources: Sources }),
  csat: z.object({
    estimate: z
      .literal([1, 2, 3, 4, 5])
      .describe('Estimated customer satisfaction, 1 (very dissatisfied) to 5 (very satisfied)'),
    reasoning: z.string(),
    sources: Sources,
  }),
  painPoints: z.array(Claim),
  praise: z.array(Claim),
  featureRequests: z.array(Claim),
  churnRisks: z.array(
    z.object({
      signal: z.string(),
      customer: z.string().nullable().describe('The customer or account, when the messages name one'),
      area: z
        .string()
        .nullable()
        .describe(
          'Exactly one of the strategic areas listed in the request when a human owner of that area must decide; otherwise null',
        ),
      customerWants: z.string(),
      whyStrategic: z.string(),
      decisionNeeded: z.string(),
      confidence: z.number().describe('0 to 1: how sure you are this is a real churn risk needing that decision'),
      sources: Sources,
    }),
  ),
  actions: z.array(
    z.object({
      action: z.string(),
      owner: z.string().describe('Suggested owner: a team handle such as @sales, or a role such as "CS lead"'),
      sources: Sources,
    }),
  ),
});
export type Digest = z.infer<typeof DigestSchema>;

/** Where a cited message lives, and its permalink. */
export const CitedMessage = z.object({ url: z.string(), channel: z.string(), ts: z.string(), threadTs: z.string() });
export type CitedMessage = z.infer<typeof CitedMessage>;

/** What a posted digest is, stored in Redis: re-rendered (same words) on a retry or a Done click. */
export const DigestRecord = z.object({
  id: z.string(),
  createdAt: z.number(),
  scope: z.object({
    kind: z.enum(['thread', 'channel']),
    channel: z.string(),
    threadTs: z.string().optional(),
    messages: z.number(),
    threads: z.number(),
    people: z.number(),
    /** Scheduled digests: the window, as Slack ts (exclusive start, inclusive end). */
    since: z.string().optional(),
    until: z.string().optional(),
    /** Chunks the messages were read in (1 = a single model call). */
    parts: z.number(),
    /** Asked in a customer channel: delivered privately, because this organisation reads that channel. */
    sharedWith: z.string().optional(),
  }),
  digest: DigestSchema,
  /** Only the cited labels: a 5,000-message digest stores tens of links, not thousands. */
  cited: z.record(z.string(), CitedMessage),
  /** Users who wrote the digested messages: the only people the model's text may tag. */
  participants: z.array(z.string()),
});
export type DigestRecord = z.infer<typeof DigestRecord>;

export function refOf(index: number): string {
  return `m${index + 1}`;
}

/**
 * Keeps only citations of messages that exist (a label the model made up cites nothing), drops claims
 * left with no source, and clamps the numbers the schema cannot bound.
 */
export function resolveCitations(
  d: Digest,
  known: (ref: string) => boolean,
  totalMessages: number,
): { digest: Digest; dropped: number } {
  let dropped = 0;
  const clean = (sources: string[]) => [...new Set(sources.map((s) => s.trim().replace(/^\[|\]$/g, '')))].filter(known);
  const keep = <T extends { sources: string[] }>(items: T[]): T[] =>
    items.flatMap((item) => {
      const sources = clean(item.sources);
      if (sources.length === 0) {
        dropped++;
        return [];
      }
      return [{ ...item, sources }];
    });
  const digest: Digest = {
    themes: keep(d.themes).map((t) => ({ ...t, count: Math.min(totalMessages, Math.max(t.count, t.sources.length)) })),
    // Overall assessments stay even when the model cited nothing valid; they describe the whole input.
    sentiment: { ...d.sentiment, sources: clean(d.sentiment.sources) },
    csat: { ...d.csat, sources: clean(d.csat.sources) },
    painPoints: keep(d.painPoints),
    praise: keep(d.praise),
    featureRequests: keep(d.featureRequests),
    churnRisks: keep(d.churnRisks).map((r) => ({ ...r, confidence: Math.min(1, Math.max(0, r.confidence)) })),
    actions: keep(d.actions),
  };
  return { digest, dropped };
}

/** Every label the digest cites, in first-cited order. */
export function citedRefs(d: Digest): string[] {
  const all = [
    ...d.themes,
    d.sentiment,
    d.csat,
    ...d.painPoints,
    ...d.praise,
    ...d.featureRequests,
    ...d.churnRisks,
    ...d.actions,
  ].flatMap((c) => c.sources);
  return [...new Set(all)];
}

/** The configured area a churn signal names (case-insensitively), if any. */
export function matchArea(area: string | null, areas: readonly string[]): string | undefined {
  const wanted = area?.trim().toLowerCase();
  return wanted ? areas.find((a) => a.toLowerCase() === wanted) : undefined;
}

/** Slack ts order without float rounding ("1700000000.000100" → microseconds). */
export function compareTs(a: string, b: string): number {
  const [as = '0', af = ''] = a.split('.');
  const [bs = '0', bf = ''] = b.split('.');
  return Number(as) - Number(bs) || Number(af.padEnd(6, '0')) - Number(bf.padEnd(6, '0'));
}

export function tsOf(epochMs: number): string {
  return `${Math.floor(epochMs / 1000)}.${String((epochMs % 1000) * 1000).padStart(6, '0')}`;
}

/** Who marked a digest's recommended action done, and when. */
export interface DoneMark {
  user: string;
  at: number;
}
