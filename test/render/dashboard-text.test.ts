import { describe, expect, it } from 'vitest';
import { weekStart } from '../../src/domain/dashboard.js';
import { dayMonth, duration, sparkline } from '../../src/render/dashboard-text.js';

describe('how the App Home writes its figures', () => {
  it('durations, week labels and a week-by-week trend', () => {
    expect([duration(0.2), duration(14.4), duration(150), duration(4000)]).toEqual([
      '1 min',
      '14 min',
      '2.5 h',
      '2.8 days',
    ]);
    expect(dayMonth(weekStart(Date.UTC(2026, 10, 20, 12)))).toBe('16 Nov');
    expect(sparkline([null, 75, 50, 100])).toBe('·▇▅█');
  });
});
