import { describe, expect, it } from 'vitest';
import { handledShare, helpfulness, weekStart } from '../../src/domain/dashboard.js';
import { figures } from '../helpers/dashboard.js';

describe('the dashboard figures', () => {
  it('the handled share, and the week a moment falls in', () => {
    expect(handledShare(figures())).toEqual({ handled: 86, escalated: 14 });
    expect(handledShare(figures({ conversations: { handled: 0, escalated: 0 } }))).toBeNull();
    expect(weekStart(Date.UTC(2026, 10, 20, 12))).toBe(Date.UTC(2026, 10, 16));
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
    expect(helpfulness(figures())).toEqual({ share: null, count: 0, trend: [] });
  });
});
