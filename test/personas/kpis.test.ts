import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseKpiTargets, targetText } from '../../src/personas/kpis.js';

describe('KPI targets from a persona', () => {
  it("reads LUNA's five targets from its KPI list, in its order", async () => {
    const body = await readFile('personas/luna.md', 'utf8');
    const targets = parseKpiTargets(body);
    expect(targets.map((t) => [t.name, targetText(t), t.metric])).toEqual([
      ['Customer satisfaction (CSAT)', '> 4.5/5', 'csat'],
      ['Customer retention rate', '> 90%', 'retention'],
      ['Customer success milestones reached on time', '> 85%', 'milestones'],
      ['Feedback integration rate', '> 80%', 'feedback_integration'],
      ['Journey conversion', '> 75%', 'unmeasured'],
    ]);
  });

  it('reads a KPI table (the chatmode seed’s layout), not the looser "Success Metrics" prose above it', () => {
    const targets = parseKpiTargets(`### Success Metrics:
- Customer satisfaction scores above 95% with continuous improvement

### Key Performance Indicators
| KPI | Target |
|-----|--------|
| Customer Satisfaction Score | >4.5/5 |
| Feedback Integration Rate | >80% |

## Next`);
    expect(targets).toHaveLength(2);
    expect(targets[0]).toMatchObject({
      name: 'Customer Satisfaction Score',
      comparator: '>',
      value: 4.5,
      unit: 5,
      metric: 'csat',
    });
    expect(targets[1]).toMatchObject({
      name: 'Feedback Integration Rate',
      value: 80,
      unit: '%',
      metric: 'feedback_integration',
    });
  });

  it('another persona shows its own targets; one without a KPI section has none', () => {
    const own = parseKpiTargets(
      '# Coach\n\n## KPIs\n- **Net revenue retention**: at least 110%\n- CSAT: above 8 out of 10\n\n## Other\n- Time: below 3%',
    );
    expect(own.map(targetText)).toEqual(['≥ 110%', '> 8/10']);
    expect(parseKpiTargets('# Minimal\n\nI help with onboarding.')).toEqual([]);
    expect(parseKpiTargets('## KPIs\n```\n- CSAT: above 4 out of 5\n```')).toEqual([]);
  });
});
