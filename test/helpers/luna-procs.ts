import { readdirSync, readFileSync } from 'node:fs';
import { startChild, waitForOutput } from './child.js';

/** A LUNA process started from the real entry point, with the port it listens on (PORT=0 picks one). */
export interface LunaProcess {
  pid: number;
  port: number;
  role: string;
  output: () => string;
  /** Resolves with the exit code (null when a signal ended it) once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const STARTED = /"msg":"(LUNA|bare Bolt) started"/;

/** `script` is src/main.ts unless a stand-in (the bench's bare Bolt app) logs the same start-up line. */
export async function startLunaProcess(
  env: Record<string, string>,
  script = 'src/main.ts',
  timeoutMs = 30_000,
): Promise<LunaProcess> {
  const child = startChild({ ...env, LOG_LEVEL: env.LOG_LEVEL === 'debug' ? 'debug' : 'info' }, script);
  try {
    await waitForOutput(child.output, STARTED, timeoutMs);
  } catch (err) {
    child.proc.kill('SIGKILL');
    throw err;
  }
  const started = child
    .output()
    .split('\n')
    .find((l) => STARTED.test(l))!;
  const { port, role } = JSON.parse(started) as { port: number; role: string };
  let exited = false;
  void child.exited.then(() => (exited = true));
  return {
    pid: child.proc.pid!,
    port,
    role,
    output: child.output,
    exited: child.exited,
    async stop(graceMs = 5_000) {
      if (exited) return;
      child.proc.kill('SIGTERM');
      const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
      await child.exited;
      clearTimeout(timer);
    },
  };
}

/** Sum of a Prometheus metric's samples whose labels include every given label. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const has = Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`));
    if (has) sum += Number(m[3]);
  }
  return sum;
}

/** The upper bound of the histogram bucket that holds quantile `q` (0–1), summed over all label sets. */
export function histogramBound(text: string, name: string, q: number): number {
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\S+)$`).exec(line);
    if (m) buckets.set(Number(m[1]), (buckets.get(Number(m[1])) ?? 0) + Number(m[2]));
  }
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  return sorted.find(([, n]) => n >= q * total)?.[0] ?? NaN;
}

export async function scrape(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

/** Resident memory of a process from /proc (Linux): now and its peak (VmHWM), in MiB. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** The processes `pid` started, and theirs (Linux /proc): a supervised worker child, say. */
export function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  for (let todo = [...(parents.get(pid) ?? [])]; todo.length;) {
    const child = todo.shift()!;
    out.push(child);
    todo.push(...(parents.get(child) ?? []));
  }
  return out;
}

/** CPU time a process has used so far (user + system), in seconds (Linux, 100 clock ticks a second). */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
