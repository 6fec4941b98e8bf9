import { describe, expect, it } from 'vitest';
import { fitThread, type ThreadMessage } from '../../src/domain/thread-budget.js';

const msg = (i: number, text = `message ${i} `.repeat(20)): ThreadMessage => ({
  ts: `1700000000.${String(i).padStart(6, '0')}`,
  user: 'U1',
  fromLuna: false,
  fromBot: false,
  text,
});

describe('fitThread', () => {
  it('keeps everything when the thread fits', () => {
    const thread = Array.from({ length: 10 }, (_, i) => msg(i));
    const fitted = fitThread(thread, 100_000);
    expect(fitted.kept).toHaveLength(10);
    expect(fitted.omitted).toBe(0);
  });

  it('always keeps the parent, then the newest messages, in thread order', () => {
    const thread = Array.from({ length: 1500 }, (_, i) => msg(i));
    const fitted = fitThread(thread, 5_000);
    expect(fitted.kept[0]!.ts).toBe(thread[0]!.ts);
    expect(fitted.kept.at(-1)!.ts).toBe(thread[1499]!.ts);
    const tss = fitted.kept.map((m) => m.ts);
    expect([...tss].sort()).toEqual(tss);
    expect(fitted.omitted).toBe(1500 - fitted.kept.length);
    expect(fitted.kept.length).toBeGreaterThan(10);
    expect(fitted.kept.length).toBeLessThan(1500);
  });

  it('cuts a 40,000-character message instead of letting it crowd out the thread', () => {
    const thread = [msg(0), msg(1, 'x'.repeat(40_000)), msg(2)];
    const fitted = fitThread(thread, 10_000, 8_000);
    expect(fitted.kept).toHaveLength(3);
    expect(fitted.truncated).toBe(1);
    expect(fitted.kept[1]!.text.length).toBeLessThan(8_100);
    expect(fitted.kept[1]!.text).toMatch(/32000 more characters not shown/);
  });
});
