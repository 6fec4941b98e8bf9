import { describe, expect, it } from 'vitest';
import { parseAmount, parseDate } from '../../src/config/account-book-row.js';

describe('an account book row', () => {
  it('amounts and dates as exports write them', () => {
    expect(['120000', '$120,000', '120.000,50 €', '1 200 000', 'EUR 99.5', '-'].map(parseAmount)).toEqual([
      120000,
      120000,
      120000.5,
      1200000,
      99.5,
      undefined,
    ]);
    expect(
      ['2026-03-31', '2026-03-31T10:00:00Z', '3/31/2026', '31/3/2026', '31.03.2026', '2026-02-30', 'soon'].map(
        parseDate,
      ),
    ).toEqual(['2026-03-31', '2026-03-31', '2026-03-31', '2026-03-31', '2026-03-31', undefined, undefined]);
  });
});
