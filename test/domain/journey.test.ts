import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emotionWord, JourneyMap, KPI_TARGETS, kpisWithTargets, lowestStage } from '../../src/domain/journey.js';
import { parseKpiTargets } from '../../src/personas/kpis.js';
import { acmeMap, syntheticMap } from '../fixtures/journey/maps.js';

/** A journey map as plain JSON, typed loosely enough to be broken on purpose. */
interface RawMap {
  stages: Array<{ emotion: number; opportunities: Array<{ owner?: string; metric: string }> }>;
  kpis: Array<{ kpi: string; measure: string }>;
}
const raw = () => JSON.parse(JSON.stringify(acmeMap())) as RawMap;

describe('JourneyMap schema', () => {
  it('accepts 3 to 8 stages and rejects fewer or more', () => {
    for (const n of [3, 8]) expect(JourneyMap.safeParse(syntheticMap(n)).success).toBe(true);
    const few = raw();
    few.stages = few.stages.slice(0, 2);
    const many = raw();
    many.stages = [...many.stages, ...many.stages];
    for (const m of [few, many]) expect(JourneyMap.safeParse(m).error?.issues[0]?.path).toEqual(['stages']);
  });

  it('needs an integer emotion from 1 to 5, and an owner and a metric on every opportunity', () => {
    for (const emotion of [0, 6, 3.5]) {
      const m = raw();
      m.stages[0]!.emotion = emotion;
      expect(JourneyMap.safeParse(m).success, `emotion ${emotion}`).toBe(false);
    }
    const noOwner = raw();
    delete noOwner.stages[1]!.opportunities[0]!.owner;
    const blankMetric = raw();
    blankMetric.stages[1]!.opportunities[0]!.metric = '  ';
    const noOpportunities = raw();
    noOpportunities.stages[2]!.opportunities = [];
    for (const m of [noOwner, blankMetric, noOpportunities]) expect(JourneyMap.safeParse(m).success).toBe(false);
  });

  it('only knows the persona KPIs', () => {
    const m = raw();
    m.kpis = [{ kpi: 'nps', measure: 'survey' }];
    expect(JourneyMap.safeParse(m).success).toBe(false);
  });
});

describe('journey helpers', () => {
  it('lists every persona KPI with its target, in the persona order', () => {
    expect(kpisWithTargets({ kpis: [{ kpi: 'retention', measure: 'renewals' }] })).toEqual([
      { key: 'csat', label: 'CSAT', target: '> 4.5/5' },
      { key: 'retention', label: 'Retention', target: '> 90%', measure: 'renewals' },
      { key: 'milestones', label: 'Milestones on time', target: '> 85%' },
      { key: 'feedback_integration', label: 'Feedback integration', target: '> 80%' },
      { key: 'journey_conversion', label: 'Journey conversion', target: '> 75%' },
    ]);
  });

  it('takes the targets the persona states: LUNA’s agree with the built-in ones, another persona’s replace them', () => {
    const luna = parseKpiTargets(readFileSync(new URL('../../personas/luna.md', import.meta.url), 'utf8'));
    expect(kpisWithTargets({ kpis: [] }, luna).map((k) => k.target)).toEqual(
      Object.values(KPI_TARGETS).map((k) => k.target),
    );
    const stricter = parseKpiTargets(
      '## KPIs and targets\n- Customer satisfaction (CSAT): above 4.8 out of 5\n- Journey conversion: at least 60%\n',
    );
    expect(kpisWithTargets({ kpis: [] }, stricter).map((k) => k.target)).toEqual([
      '> 4.8/5',
      '> 90%',
      '> 85%',
      '> 80%',
      '≥ 60%',
    ]);
  });

  it('finds the lowest point (first on a tie) and names emotions', () => {
    expect(lowestStage(acmeMap())?.name).toBe('Adoption');
    expect(lowestStage(syntheticMap(8))?.name).toBe('Stage 1');
    expect([1, 3, 5].map(emotionWord)).toEqual(['Frustrated', 'Neutral', 'Delighted']);
  });
});
