import { describe, expect, it } from 'vitest';
import { readKpis } from '../../src/domain/kpi-readings.js';
import { parseKpiTargets } from '../../src/personas/kpis.js';
import { figures } from '../helpers/dashboard.js';

const LUNA = parseKpiTargets(`## KPIs and targets
- Customer satisfaction (CSAT): above 4.5 out of 5.
- Customer retention rate: above 90%.
- Feedback integration rate (themes that lead to a decision): above 80%.`);

describe('the KPI readings', () => {
  it('judges each measured KPI against the persona target and says by how much it misses', () => {
    const [csat, retention, integration] = readKpis(LUNA, figures());
    expect(csat).toMatchObject({ status: 'below', value: '4.3/5', gap: '0.2 below target' });
    expect(csat!.basis).toContain('12 digests');
    expect(retention).toMatchObject({ status: 'not_measured' });
    expect(retention!.value).toBeUndefined();
    expect(integration).toMatchObject({ status: 'below', value: '60%', gap: '20 points below target' });
  });

  it('on target, with no data, and with too few digests to conclude', () => {
    const [csat, , integration] = readKpis(
      LUNA,
      figures({ csat: { value: 4.75, count: 2 }, actionItems: { created: 0, done: 0 } }),
    );
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
});
