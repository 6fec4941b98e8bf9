import { toError } from './errors.js';

// Waiting, with a way out: every promise LUNA bounds in time, and every pause it takes, goes through these.

/** What `withTimeout` rejects with when the time is up and the caller named nothing more telling. */
export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** `p`, or a rejection with `timedOut()` (a TimeoutError unless given) if `ms` pass first. The timer alone keeps no process alive. */
export function withTimeout<T>(
  p: Promise<T>,
  ms: number,
  timedOut: () => Error = () => new TimeoutError(ms),
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(timedOut()), Math.max(0, ms));
    timer.unref();
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(toError(e))),
    );
  });
}

/** `p`'s value, or `fallback` if it fails or takes longer than `ms`. */
export function bounded<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return withTimeout(p, ms).catch(() => fallback);
}

/** `p`, unless `signal` aborts first: then a rejection with the abort's reason. */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(toError(signal.reason));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(toError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(toError(e))),
    );
  });
}

/** Resolves after `ms`; rejects with the abort's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(toError(signal.reason));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(toError(signal!.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
