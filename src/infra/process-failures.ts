import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from './log.js';

// The last line of defence of a LUNA process (both halves of a split install run it from main.ts): a failure
// nothing else handled is logged — with the shape of the Slack request it happened under, when there was one —
// and counted (`luna_unhandled_errors_total{kind}`).
// - A promise rejection nobody handled is one failed piece of work: LUNA carries on (Node's default would end the
//   process, and with it every request and job in flight).
// - An uncaught exception leaves the process in a state nobody can vouch for: it exits with status 1, so its
//   supervisor (the web half for its worker child; Docker, systemd or Kubernetes for the web half) starts it
//   again. Jobs it was running are picked up by another worker once their locks lapse; nothing acked is lost.

/** What is known about the request being handled: never its text, only what it is and its structure. */
export interface RequestAbout {
  kind?: string | undefined;
  shape?: string | undefined;
}

const current = new AsyncLocalStorage<() => RequestAbout>();

/**
 * Runs `fn` (and everything it starts) as the handling of one request, so a failure that escapes it names it.
 * `about` is only called when something failed.
 */
export function withRequest<T>(about: () => RequestAbout, fn: () => T): T {
  return current.run(about, fn);
}

export type UnhandledKind = 'rejection' | 'exception';

export interface ProcessFailureOptions {
  log: Logger;
  /** Counts one unhandled failure (the process's Metrics, once they exist). */
  count: (kind: UnhandledKind) => void;
  /** @defaultValue process.exit */
  exit?: (code: number) => void;
  /** Where the failures are reported. @defaultValue process */
  events?: Pick<NodeJS.EventEmitter, 'on'>;
}

export function handleProcessFailures(o: ProcessFailureOptions): void {
  const exit = o.exit ?? ((code: number) => process.exit(code));
  const request = () => current.getStore()?.();
  const events = o.events ?? process;
  events.on('unhandledRejection', (reason: unknown) => {
    o.count('rejection');
    o.log.error('a failure nothing handled (an unhandled promise rejection); LUNA carries on', {
      err: reason,
      request: request(),
    });
  });
  events.on('uncaughtException', (err: Error, origin: string) => {
    o.count('exception');
    o.log.error('a failure nothing handled (an uncaught exception); LUNA exits so it is started again', {
      err,
      origin,
      request: request(),
    });
    exit(1);
  });
}
