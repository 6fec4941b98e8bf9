import { fork, type ChildProcess } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Logger } from './infra/log.js';
import type { Metrics } from './infra/metrics.js';

/**
 * LUNA_ROLE=all, split: this process acks Slack (the web half) and supervises one child process that
 * answers (the worker half, the same entry point with LUNA_ROLE=worker). Answering — model streams,
 * rendering, posting — then never competes with acking on one event loop, and the install is still one
 * command, one port and one /metrics. The child restarts if it dies, and stops with this process.
 */
type PeerMetrics = MetricObjectWithValues<MetricValue<string>>[];

type FromChild = { type: 'ready' } | { type: 'metrics'; id: number; metrics: PeerMetrics };
export type ToChild = { type: 'metrics'; id: number };

export interface WorkerChild {
  /** The child's metrics, for /metrics to merge; empty while it is (re)starting. */
  metrics(): Promise<PeerMetrics[]>;
  /** Rejects with why the worker half is not serving. */
  ready(): Promise<void>;
  stop(graceMs: number): Promise<void>;
}

/** `nice`: how much lower the child's scheduling priority is than this process's (LUNA_WORKER_NICE), so acks win the CPU over answers. */
export function superviseWorker(env: NodeJS.ProcessEnv, log: Logger, nice = 0): WorkerChild {
  let child: ChildProcess | undefined;
  let ready = false;
  let stopping = false;
  let restarts = 0;
  let nextId = 0;
  const waiting = new Map<number, (m: PeerMetrics) => void>();

  const start = () => {
    ready = false;
    const c = fork(process.argv[1]!, process.argv.slice(2), {
      env: { ...env, LUNA_ROLE: 'worker', PORT: '0', LUNA_SUPERVISED: '1' },
      execArgv: process.execArgv,
      stdio: 'inherit',
    });
    child = c;
    if (nice && c.pid) {
      try {
        setPriority(c.pid, Math.min(19, getPriority() + nice)); // relative to this process, as `nice` does
      } catch (err) {
        log.warn('could not lower the worker process priority; it competes with acking as an equal', { nice, err });
      }
    }
    c.on('message', (m: FromChild) => {
      if (m.type === 'ready') {
        ready = true;
        restarts = 0;
        log.info('worker process serving', { pid: c.pid });
      } else if (m.type === 'metrics') waiting.get(m.id)?.(m.metrics);
    });
    c.once('exit', (code, signal) => {
      if (child === c) child = undefined;
      ready = false;
      if (stopping) return;
      const delay = Math.min(1_000 * 2 ** restarts++, 30_000);
      log.error('the worker process stopped; starting it again', { code, signal, inMs: delay });
      setTimeout(() => !stopping && start(), delay).unref();
    });
  };
  start();

  return {
    metrics() {
      const c = child;
      if (!c?.connected || !ready) return Promise.resolve([]);
      const id = nextId++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => (waiting.delete(id), resolve([])), 1_000);
        waiting.set(id, (m) => (clearTimeout(timer), waiting.delete(id), resolve([m])));
        c.send({ type: 'metrics', id } satisfies ToChild);
      });
    },
    ready() {
      return ready
        ? Promise.resolve()
        : Promise.reject(new Error(child ? 'worker process starting' : 'worker process restarting'));
    },
    async stop(graceMs) {
      stopping = true;
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), graceMs).unref();
      await exited;
      clearTimeout(timer);
    },
  };
}

/** In the child: answer the supervisor's metrics requests, say when serving, and stop when it goes away. */
export function serveSupervisor(metrics: Metrics, ready: Promise<void>, stop: (why: string) => void): void {
  if (!process.send) return;
  process.on('message', (m: ToChild) => {
    if (m.type !== 'metrics') return;
    void metrics.registry
      .getMetricsAsJSON()
      .then((json) => process.send?.({ type: 'metrics', id: m.id, metrics: json } satisfies FromChild));
  });
  ready.then(
    () => process.send?.({ type: 'ready' } satisfies FromChild),
    () => {},
  );
  // The supervisor died (even by SIGKILL): a worker with nobody to report to stops too.
  process.on('disconnect', () => stop('supervisor gone'));
}
