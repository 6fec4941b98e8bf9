import { describe, expect, it } from 'vitest';
import { dayMonth, duration, handledShare, helpfulness, readKpis, sparkline, weekStart, type Figures } from '../../src/domain/dashboard.js';
import { parseKpiTargets } from '../../src/personas/kpis.js';

const LUNA = parseKpiTargets(`## KPIs and targets
- Customer satisfaction (CSAT): above 4.5 out of 5.
- Customer retention rate: above 90%.
- Feedback integration rate (themes that lead to a decision): above 80%.`);

function figures(o: Partial<Figures> = {}): Figures {
  return {
    now: Date.UTC(2026, 10, 20),
    weeks: [],
    csat: { value: 4.3, count: 12 },
    actionItems: { created: 10, done: 6 },
    escalations: { open: 0, overdue: 0, opened: 0, acknowledged: 0, notStrategic: 0, reassigned: 0, medianMinutesToAcknowledge: null },
    conversations: { handled: 43, escalated: 7 },
    thisWeek: { answers: 0, digests: 0, escalationsOpened: 0 },
    feedback: [],
    escalationConfigured: true,
    ...o,
  };
}

describe('the dashboard figures', () => {
  it('judges each measured KPI against the persona target and says by how much it misses', () => {
    const [csat, retention, integration] = readKpis(LUNA, figures());
    expect(csat).toMatchObject({ status: 'below', value: '4.3/5', gap: '0.2 below target' });
    expect(csat!.basis).toContain('12 digests');
    expect(retention).toMatchObject({ status: 'not_measured' });
    expect(retention!.value).toBeUndefined();
    expect(integration).toMatchObject({ status: 'below', value: '60%', gap: '20 points below target' });
  });

  it('on target, with no data, and with too few digests to conclude', () => {
    const [csat, , integration] = readKpis(LUNA, figures({ csat: { value: 4.75, count: 2 }, actionItems: { created: 0, done: 0 } }));
    expect(csat).toMatchObject({ status: 'met', value: '4.8/5', gap: 'on target' });
    expect(csat!.basis).toMatch(/2 digests .*too few to conclude/);
    expect(integration).toMatchObject({ status: 'no_data' });
    const [none] = readKpis(LUNA, figures({ csat: { value: null, count: 0 } }));
    expect(none).toMatchObject({ status: 'no_data' });
  });

  it('a persona without targets still gets the two figures LUNA measures, untargeted', () => {
    const readings = readKpis([], figures());
    expect(readings.map((r) => [r.name, r.status, r.value])).toEqual([
      ['Estimated CSAT', 'untargeted', '4.3/5'],
      ['Feedback integration', 'untargeted', '60%'],
    ]);
  });

  it('the handled share, durations and week labels', () => {
    expect(handledShare(figures())).toEqual({ handled: 86, escalated: 14 });
    expect(handledShare(figures({ conversations: { handled: 0, escalated: 0 } }))).toBeNull();
    expect([duration(0.2), duration(14.4), duration(150), duration(4000)]).toEqual(['1 min', '14 min', '2.5 h', '2.8 days']);
    expect(dayMonth(weekStart(Date.UTC(2026, 10, 20, 12)))).toBe('16 Nov');
  });

  it('answer helpfulness: the share of thumbs-up, how many voted, and a week-by-week trend', () => {
    const f = figures({
      feedback: [
        { positive: 0, negative: 0 },
        { positive: 3, negative: 1 },
        { positive: 1, negative: 1 },
        { positive: 4, negative: 0 },
      ],
    });
    expect(helpfulness(f)).toEqual({ share: 80, count: 10, trend: [null, 75, 50, 100] });
    expect(sparkline(helpfulness(f).trend)).toBe('·▇▅█');
    expect(helpfulness(figures())).toEqual({ share: null, count: 0, trend: [] });
  });
});
