import { describe, expect, it } from 'vitest';
import { LunaError } from '../../src/infra/errors.js';
import { bounded, sleep, TimeoutError, untilAborted, withTimeout } from '../../src/infra/wait.js';

const never = new Promise<never>(() => {});

describe('waiting with a way out', () => {
  it('withTimeout: the value in time, the failure as it was, or a TimeoutError naming the wait', async () => {
    await expect(withTimeout(Promise.resolve(7), 50)).resolves.toBe(7);
    const refused = new Error('refused');
    await expect(withTimeout(Promise.reject(refused), 50)).rejects.toBe(refused);
    const late = withTimeout(never, 10);
    await expect(late).rejects.toBeInstanceOf(TimeoutError);
    await expect(late).rejects.toThrow('no answer within 10 ms');
  });

  it('withTimeout: the caller names what a late answer means', async () => {
    const late = withTimeout(
      never,
      5,
      () => new LunaError('luna_redis_unavailable', 'Redis did not take the job within the wait'),
    );
    await expect(late).rejects.toMatchObject({ code: 'luna_redis_unavailable' });
  });

  it('bounded: the fallback when the promise fails or is late', async () => {
    await expect(bounded(Promise.resolve('ok'), 50, 'fallback')).resolves.toBe('ok');
    await expect(bounded(Promise.reject(new Error('no')), 50, 'fallback')).resolves.toBe('fallback');
    await expect(bounded(never, 5, 'fallback')).resolves.toBe('fallback');
  });

  it('untilAborted: the abort’s reason ends the wait, before or during it', async () => {
    const stop = new AbortController();
    const reason = new LunaError('luna_stopped', 'LUNA was stopped while starting');
    const waiting = untilAborted(never, stop.signal);
    stop.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(untilAborted(Promise.resolve(1), stop.signal)).rejects.toBe(reason);
    await expect(untilAborted(Promise.resolve(1), new AbortController().signal)).resolves.toBe(1);
  });

  it('sleep: resolves after the pause, rejects with the abort’s reason at once', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    const stop = new AbortController();
    const reason = new Error('call aborted');
    const pause = sleep(60_000, stop.signal);
    stop.abort(reason);
    await expect(pause).rejects.toBe(reason);
    await expect(sleep(1, stop.signal)).rejects.toBe(reason);
  });
});
