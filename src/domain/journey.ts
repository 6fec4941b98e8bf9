import { z } from 'zod';
import { targetText, type KpiTarget } from '../personas/kpis.js';

/**
 * The customer journey map LUNA builds: what the model must return (parsed at the edge with this schema)
 * and the pure helpers every renderer shares. Structural rules the issue demands (3–8 stages, an emotion
 * score 1–5, an owner and a metric on every opportunity) are enforced; text length is only asked for in
 * the descriptions, because renderers clip long text and a verbose but sound map should not be rejected.
 */

const phrase = (what: string) => z.string().trim().min(1).describe(what);
const items = (what: string) => z.array(phrase(what)).min(1).describe(`${what} — 1 to 4 items`);

export const Opportunity = z.object({
  idea: phrase('What to change or do, as a short imperative phrase (at most 14 words)'),
  owner: phrase('Team or role that owns it on our side, e.g. "CSM", "Onboarding team", "@product"'),
  metric: phrase('The metric that shows it worked, with a number where possible'),
});
export type Opportunity = z.infer<typeof Opportunity>;

export const EMOTION_MIN = 1;
export const EMOTION_MAX = 5;

export const JourneyStage = z.object({
  name: phrase('Stage name, 1 to 3 words, e.g. "Onboarding"'),
  goal: phrase("The customer's goal in this stage (at most 14 words)"),
  actions: items('What the customer does (short phrases)'),
  touchpoints: items('Touchpoints and channels (short phrases)'),
  emotion: z
    .number()
    .int()
    .min(EMOTION_MIN)
    .max(EMOTION_MAX)
    .describe('How the customer feels: 1 frustrated … 5 delighted'),
  feeling: phrase('Why they feel that way, in at most 10 words'),
  painPoints: items('Where they get stuck (short phrases)'),
  satisfactionDrivers: items('What makes them happy here (short phrases)'),
  opportunities: z
    .array(Opportunity)
    .min(1)
    .describe('Improvements, 1 to 3 per stage, each with an owner and a metric'),
});
export type JourneyStage = z.infer<typeof JourneyStage>;

/**
 * The KPIs the LUNA persona tracks ("KPIs and targets" in personas/luna.md), in its order. The targets here
 * are the fallback: the persona that is answering states its own, and those win (see kpisWithTargets).
 */
export const KPI_TARGETS = {
  csat: { label: 'CSAT', target: '> 4.5/5' },
  retention: { label: 'Retention', target: '> 90%' },
  milestones: { label: 'Milestones on time', target: '> 85%' },
  feedback_integration: { label: 'Feedback integration', target: '> 80%' },
  journey_conversion: { label: 'Journey conversion', target: '> 75%' },
} as const;
export type KpiKey = keyof typeof KPI_TARGETS;
const KPI_KEYS = Object.keys(KPI_TARGETS) as [KpiKey, ...KpiKey[]];

export const JourneyKpi = z.object({
  kpi: z.enum(KPI_KEYS),
  measure: phrase('How to measure this KPI in this journey and at which stage (at most 16 words)'),
});

export const MIN_STAGES = 3;
export const MAX_STAGES = 8;

export const JourneyMap = z.object({
  actor: phrase('Who travels the journey: the customer, segment or persona, e.g. "Acme Corp admin team"'),
  scenario: phrase('What the map covers, as a title of at most 10 words'),
  stages: z
    .array(JourneyStage)
    .min(MIN_STAGES)
    .max(MAX_STAGES)
    .describe(
      '3 to 8 stages in order, as the input fits (e.g. onboarding, adoption, value realisation, renewal, advocacy)',
    ),
  kpis: z
    .array(JourneyKpi)
    .min(1)
    .describe('The KPIs this journey moves, each at most once, with how to measure it here'),
  assumptions: z
    .array(phrase('An assumption the CSM should confirm'))
    .describe('What you assumed rather than read in the input; 0 to 4 items'),
});
export type JourneyMap = z.infer<typeof JourneyMap>;

const EMOTION_WORDS = ['Frustrated', 'Uneasy', 'Neutral', 'Satisfied', 'Delighted'] as const;
const EMOTION_EMOJI = [':rage:', ':worried:', ':neutral_face:', ':slightly_smiling_face:', ':star-struck:'] as const;

/** Scores are integers 1–5 once parsed; clamping keeps a hand-built map from indexing out of range. */
function emotionIndex(score: number): number {
  return Math.min(EMOTION_MAX, Math.max(EMOTION_MIN, Math.round(score))) - EMOTION_MIN;
}

export function emotionWord(score: number): string {
  return EMOTION_WORDS[emotionIndex(score)]!;
}

export function emotionEmoji(score: number): string {
  return EMOTION_EMOJI[emotionIndex(score)]!;
}

export interface KpiRow {
  key: KpiKey;
  label: string;
  target: string;
  /** How the model says to measure it in this journey, when it named this KPI. */
  measure?: string;
}

/** How the persona's own KPI names read (parseKpiTargets keeps them as written). */
const KPI_NAMES: Record<KpiKey, RegExp> = {
  csat: /satisfaction|\bCSAT\b/i,
  retention: /retention/i,
  milestones: /milestone/i,
  feedback_integration: /feedback/i,
  journey_conversion: /journey|conversion/i,
};

/**
 * Every KPI with its target, in the persona's order; the model only says how each is measured here. A target
 * the persona states (`parseKpiTargets(persona.systemPrompt)`) replaces the built-in one.
 */
export function kpisWithTargets(map: Pick<JourneyMap, 'kpis'>, stated: readonly KpiTarget[] = []): KpiRow[] {
  return KPI_KEYS.map((key) => {
    const measure = map.kpis.find((k) => k.kpi === key)?.measure;
    const own = stated.find((t) => KPI_NAMES[key].test(t.name));
    return {
      key,
      label: KPI_TARGETS[key].label,
      target: own ? targetText(own) : KPI_TARGETS[key].target,
      ...(measure ? { measure } : {}),
    };
  });
}

/** The stage where the customer feels worst (the first one, on a tie): where a CSM should look first. */
export function lowestStage(map: Pick<JourneyMap, 'stages'>): JourneyStage | undefined {
  return map.stages.reduce<JourneyStage | undefined>(
    (low, s) => (!low || s.emotion < low.emotion ? s : low),
    undefined,
  );
}
