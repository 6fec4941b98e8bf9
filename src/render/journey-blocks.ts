import type * as types from '@slack/types';
import {
  emotionEmoji,
  emotionWord,
  kpisWithTargets,
  lowestStage,
  type JourneyMap,
  type JourneyStage,
} from '../domain/journey.js';
import type { MentionPolicy } from '../domain/mention-safety.js';
import type { KpiTarget } from '../personas/kpis.js';
import { renderAnswer } from './answer.js';
import { truncate } from '../domain/text.js';

export type JourneyBlock = types.KnownBlock;

/** Slack's limits: header text 150 characters, section text 3,000; well under 50 blocks for 8 stages. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
/** One model phrase; longer text is clipped before rendering, so an entity is never cut in half. */
const PHRASE_MAX = 300;
const ITEMS_SHOWN = 6;
const PHRASE_STEPS = [PHRASE_MAX, 160, 90, 50];

const more = (values: unknown[]) => (values.length > ITEMS_SHOWN ? [`_+${values.length - ITEMS_SHOWN} more_`] : []);

/** What `/journey-map`, `/journey-map help` and an empty `@luna journey map` answer. */
export const JOURNEY_USAGE = [
  '*Customer journey maps* — `/journey-map &lt;customer, segment or scenario&gt;`',
  'For example: `/journey-map Acme Corp onboarding`, `/journey-map mid-market SaaS, first 90 days`, `/journey-map enterprise renewal at risk`.',
  'I post the map here (stages, emotions, pain points, opportunities with owners and metrics, KPIs and targets), then a picture for your QBR deck and its Mermaid source in the thread.',
  'In a thread, mention me with `journey map` (and a subject if you like) and I map the customer from that conversation.',
].join('\n');

export interface RenderedJourney {
  /** Notification and fallback text. */
  text: string;
  blocks: JourneyBlock[];
  /** Mentions the model wrote that were made inert. */
  removed: string[];
}

/**
 * A journey map as one Block Kit message: a header, the actor and the lowest point, a section per stage
 * (goal, emotion, actions, touchpoints, pain points, drivers, opportunities with owner and metric), and
 * the persona's KPIs with their targets in a context block. Model text is mention-safe mrkdwn.
 */
export function journeyBlocks(
  map: JourneyMap,
  policy: MentionPolicy,
  pictureNote: string,
  targets: readonly KpiTarget[] = [],
): RenderedJourney {
  const removed: string[] = [];
  const safe = (s: string, max = PHRASE_MAX) => {
    const one = truncate(s.replace(/\s+/g, ' ').trim(), max);
    // A phrase is inline text: a leading `>`, `#`, `-`, `1.` or fence must not become a quote, heading or list.
    const r = renderAnswer(one.replace(/^([>#*+\-`~])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2'), policy);
    removed.push(...r.removed);
    return r.text;
  };
  const stageLines = (s: JourneyStage, i: number, max: number) => {
    const say = (v: string) => safe(v, max);
    const list = (label: string, values: string[]) => [
      `*${label}*`,
      ...values.slice(0, ITEMS_SHOWN).map((v) => `• ${say(v)}`),
      ...more(values),
    ];
    return [
      `*${i + 1}. ${say(s.name)}*   ${emotionEmoji(s.emotion)} *${s.emotion}/5 ${emotionWord(s.emotion)}* — _${say(s.feeling)}_`,
      `_Goal:_ ${say(s.goal)}`,
      `*Doing:* ${s.actions.slice(0, ITEMS_SHOWN).map(say).join(' · ')}`,
      `*Touchpoints:* ${s.touchpoints.slice(0, ITEMS_SHOWN).map(say).join(' · ')}`,
      ...list('Pain points', s.painPoints),
      ...list('Satisfaction drivers', s.satisfactionDrivers),
      '*Opportunities*',
      ...s.opportunities
        .slice(0, ITEMS_SHOWN)
        .map((o) => `• ${say(o.idea)} — owner: *${say(o.owner)}*; metric: ${say(o.metric)}`),
      ...more(s.opportunities),
    ];
  };
  // Shorter phrases before dropping lines: the opportunities come last and matter most.
  const stageText = (s: JourneyStage, i: number) => {
    for (const max of PHRASE_STEPS) {
      const text = stageLines(s, i, max).join('\n');
      if (text.length <= SECTION_MAX) return text;
    }
    return fit(stageLines(s, i, PHRASE_STEPS.at(-1)!));
  };

  const low = lowestStage(map);
  const blocks: JourneyBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`Journey map: ${plain(map.scenario)}`, HEADER_MAX), emoji: false },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: fit([
          `*Actor:* ${safe(map.actor)}`,
          `*Stages:* ${map.stages.map((s) => `${safe(s.name)} ${s.emotion}/5`).join(' → ')}`,
          ...(low
            ? [
                `*Lowest point:* ${safe(low.name)} (${low.emotion}/5, ${emotionWord(low.emotion).toLowerCase()}): start there.`,
              ]
            : []),
        ]),
      },
    },
  ];
  map.stages.forEach((s, i) =>
    blocks.push({ type: 'divider' }, { type: 'section', text: { type: 'mrkdwn', text: stageText(s, i) } }),
  );
  blocks.push({ type: 'divider' });
  blocks.push({
    type: 'context',
    elements: kpisWithTargets(map, targets).map((k) => ({
      type: 'mrkdwn' as const,
      text: `*${k.label}* ${safe(k.target)}${k.measure ? ` — ${safe(k.measure)}` : ''}`,
    })),
  });
  if (map.assumptions.length) {
    const assumptions = map.assumptions
      .slice(0, ITEMS_SHOWN)
      .map((a) => safe(a))
      .join(' · ');
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: fit([`_Assumptions to confirm:_ ${assumptions}`]) }],
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: pictureNote }] });
  return { text: `Journey map: ${safe(map.scenario)}`, blocks, removed };
}

/** Lines joined until the next would pass Slack's section limit; a cut is marked. */
function fit(lines: string[]): string {
  let out = '';
  for (const line of lines) {
    const next = out ? `${out}\n${line}` : line;
    if (next.length > SECTION_MAX - 2) return `${out}\n…`;
    out = next;
  }
  return out;
}

/** Header text is plain_text: Slack shows it literally and it cannot notify, so only whitespace is tidied. */
function plain(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
