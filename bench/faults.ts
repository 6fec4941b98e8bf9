/**
 * `npm run bench:faults`: LUNA under faults, as production runs it — its own processes (`node dist/main.js`, or
 * `--from src` through tsx), HTTP mode — against the fake Slack and fake Anthropic servers (a process of their own,
 * bench/fakes-process.ts) and real redis-server processes this bench starts, kills and restarts (never the Redis at
 * 127.0.0.1:6379). One table row per fault:
 *
 *   fault | acked | answered once | lost | duplicated | apologies | model requests (total / in the fault window) | time to recover
 *
 * then what each scenario measured beyond the row, with its expectations (met / NOT met), and the machine's cores
 * and load average (a loaded machine skews every time here).
 *
 *   npm run bench:faults -- [--only name[,name…]] [--quick] [--outage-s 60] [--lock-s 30] [--from dist|src]
 *
 * Scenarios: anthropic-529-60s, kill-worker, redis-down-at-start, redis-restart-volatile, redis-blip-aof,
 * slow-model-backlog, assessment-5000. Each is bounded in time and cleans up its processes and Redis folders,
 * also when it fails. `--quick` shortens windows and loads for a smoke run.
 */
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { startChild } from '../test/helpers/child.js';
import { freePort } from '../test/helpers/global-redis.js';
import { TEST_ESCALATION, testEnv } from '../test/helpers/harness.js';
import { startLunaProcess, type LunaProcess } from '../test/helpers/luna-procs.js';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server.js';
import type { ModelCall, Settled } from './fakes-process.js';
import { buildDist, offerMentions, percentile, sendMention, startFakes, type Fakes } from './load.js';
import { benchUser } from './team.js';

const SCENARIOS = [
  'anthropic-529-60s',
  'kill-worker',
  'redis-down-at-start',
  'redis-restart-volatile',
  'redis-blip-aof',
  'slow-model-backlog',
  'assessment-5000',
] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: '' },
    quick: { type: 'boolean', default: false },
    'outage-s': { type: 'string', default: '' },
    'lock-s': { type: 'string', default: '' },
    from: { type: 'string', default: 'dist' },
  },
});
const QUICK = values.quick;
const OUTAGE_S = Number(values['outage-s'] || (QUICK ? 10 : 60));
const LOCK_S = Number(values['lock-s'] || (QUICK ? 6 : 30));
const ENTRY = values.from === 'src' ? 'src/main.ts' : 'dist/main.js';
const DEFAULT_CONFIG = 'persona: luna\n';

// ── the row, and what a scenario says beyond it ────────────────────────────────────────────────────────────────

interface Row {
  fault: Scenario;
  acked: string;
  answeredOnce: string;
  lost: string;
  duplicated: string;
  apologies: string;
  modelRequests: string;
  recover: string;
  /** Measurements beyond the row, one line each. */
  notes: string[];
  /** Expectations: what, and whether it held. */
  checks: Array<[string, boolean]>;
}

const COLUMNS: Array<[keyof Row, string]> = [
  ['fault', 'fault'],
  ['acked', 'acked'],
  ['answeredOnce', 'answered once'],
  ['lost', 'lost'],
  ['duplicated', 'duplicated'],
  ['apologies', 'apologies'],
  ['modelRequests', 'model requests (total / in window)'],
  ['recover', 'time to recover'],
];

function row(fault: Scenario, cells: Partial<Omit<Row, 'fault'>>): Row {
  return {
    fault,
    acked: '—',
    answeredOnce: '—',
    lost: '—',
    duplicated: '—',
    apologies: '—',
    modelRequests: '—',
    recover: '—',
    notes: [],
    checks: [],
    ...cells,
  };
}

// ── cleanup: everything a scenario starts is registered here and undone in reverse, even on failure ─────────────

class Scope {
  private readonly undo: Array<() => Promise<void> | void> = [];
  private closed = false;
  /** Once closed (a failure, a timeout, Ctrl-C), whatever is still starting is undone as soon as it has started. */
  add(fn: () => Promise<void> | void): void {
    if (this.closed)
      void Promise.resolve()
        .then(fn)
        .catch(() => {});
    else this.undo.push(fn);
  }
  async close(): Promise<void> {
    this.closed = true;
    for (const fn of this.undo.splice(0).reverse()) {
      try {
        await fn();
      } catch {
        // keep cleaning up
      }
    }
  }
}
const open = new Set<Scope>();
/** The scenario running now, so an interrupted run can wait for what it is still starting (and then undoes it). */
let current: Promise<unknown> = Promise.resolve();

async function fakesIn(scope: Scope): Promise<Fakes> {
  const fakes = await startFakes();
  scope.add(() => fakes.stop());
  return fakes;
}

/** A throwaway redis-server (the defaults: nothing on disk); `stop` removes its folder too. */
async function redisIn(scope: Scope, args: string[] = [], port?: number): Promise<RedisServer & { url: string }> {
  const server = await startRedisServer((p) => ['--port', String(p), ...args], port ? { port } : {});
  scope.add(() => server.stop());
  return Object.assign(server, { url: `redis://127.0.0.1:${server.port}` });
}

/** LUNA's environment for one process; the folder testEnv writes the config into is removed afterwards. */
async function lunaEnv(
  scope: Scope,
  fakes: Fakes,
  redisUrl: string,
  role: string,
  config = DEFAULT_CONFIG,
  extra: Record<string, string> = {},
) {
  const prefix = 'luna'; // the Redis is the scenario's own
  const env = await testEnv({ slack: { url: fakes.slackUrl }, anthropic: { url: fakes.anthropicUrl }, prefix, config });
  scope.add(() => rmSync(path.dirname(env.LUNA_CONFIG!), { recursive: true, force: true }));
  return { ...env, LUNA_ROLE: role, REDIS_URL: redisUrl, LOG_LEVEL: 'info', ...extra };
}

async function lunaIn(scope: Scope, env: Record<string, string>): Promise<LunaProcess> {
  const p = await startLunaProcess(env, ENTRY);
  scope.add(() => p.stop(2_000));
  return p;
}

// ── small tools ──────────────────────────────────────────────────────────────────────────────────────────────────

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const eventsUrl = (p: LunaProcess) => `http://127.0.0.1:${p.port}/slack/events`;

/** Polls `pred` every `everyMs` until it holds or `timeoutMs` passed; whether it held. */
async function poll(pred: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** GET a URL: its status and body, or why nothing answered (`refused`, `timeout`, …). */
async function get(url: string): Promise<{ status: number | string; body: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return { status: res.status, body: (await res.text()).trim() };
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    return {
      status:
        code === 'ECONNREFUSED'
          ? 'refused'
          : (err as Error).name === 'TimeoutError'
            ? 'timeout'
            : (code ?? String(err)),
      body: '',
    };
  }
}

/** Answer counts of mentions over the whole set: once, never, more than once. */
function tally(counts: number[]) {
  return {
    once: counts.filter((n) => n === 1).length,
    never: counts.filter((n) => n === 0).length,
    dup: counts.filter((n) => n > 1).length,
  };
}

function within(calls: ModelCall[], from: number, until: number): number {
  return calls.filter((c) => c.at >= from && c.at < until).length;
}

function logLines(output: string): { json: Array<Record<string, unknown>>; other: string[] } {
  const json: Array<Record<string, unknown>> = [];
  const other: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (v && typeof v === 'object' && !Array.isArray(v)) json.push(v as Record<string, unknown>);
      else other.push(line);
    } catch {
      other.push(line);
    }
  }
  return { json, other };
}

/** The most frequent lines, digits ignored, with their counts. */
function commonest(lines: string[], top = 2): string {
  const counts = new Map<string, number>();
  for (const l of lines)
    counts.set(l.trim().replace(/\d+/g, 'N'), (counts.get(l.trim().replace(/\d+/g, 'N')) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([l, c]) => `${c}× "${clip(l, 90)}"`)
    .join(', ');
}

/** LUNA's warnings and errors in these processes' logs, the most frequent first: `12× "job attempt failed" (luna_redis…)`. */
function warnings(procs: LunaProcess[], top = 4): string {
  const counts = new Map<string, number>();
  for (const p of procs) {
    for (const l of logLines(p.output()).json) {
      if (l.level !== 'warn' && l.level !== 'error') continue;
      const err = l.err as { code?: unknown; message?: unknown } | undefined;
      const what = [err?.code, err?.message].filter((x): x is string => typeof x === 'string').join(': ');
      const why = what ? ` (${clip(what, 90)})` : '';
      const key = `${p.role}: ${l.level} "${clip(String(l.msg), 70)}"${why}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const list = [...counts].sort((a, b) => b[1] - a[1]);
  return list.length
    ? list
        .slice(0, top)
        .map(([k, c]) => `${c}× ${k}`)
        .join('; ') + (list.length > top ? `; ${list.length - top} more kinds` : '')
    : 'none';
}

/** Model calls as offsets from `t0`, bunched per half second: `+0.0 s ×50, +31.2 s, +62.0 s ×2`. */
function timeline(calls: ModelCall[], t0: number): string {
  const bunches: Array<[number, number]> = [];
  for (const c of [...calls].sort((a, b) => a.at - b.at)) {
    const last = bunches.at(-1);
    if (last && c.at - t0 - last[0] < 500) last[1]++;
    else bunches.push([c.at - t0, 1]);
  }
  return bunches.map(([ms, k]) => `+${(ms / 1000).toFixed(1)} s${k > 1 ? ` ×${k}` : ''}`).join(', ');
}

const clip = (s: string, n = 160) => (s.length > n ? `${s.slice(0, n)}…` : s);
const msStats = (xs: number[]) =>
  `p50 ${percentile(xs, 50).toFixed(0)} / p95 ${percentile(xs, 95).toFixed(0)} / max ${Math.max(...xs).toFixed(0)} ms`;

// ── 1. the AI service answers 529 to everything for a while ──────────────────────────────────────────────────────

async function anthropicOutage(scope: Scope): Promise<Row> {
  const n = QUICK ? 20 : 50;
  const outageMs = OUTAGE_S * 1000;
  const redis = await redisIn(scope);
  const fakes = await fakesIn(scope);
  const luna = await lunaIn(scope, await lunaEnv(scope, fakes, redis.url, 'all'));
  const channel = 'C0OUTAGE';
  const tss = await fakes.setup(channel, n, 1500);
  const win = await fakes.model({ modelMs: 1500, outageMs });
  const load = await offerMentions(eventsUrl(luna), channel, tss, 100);
  // After the window the next probe can be up to 30 s (outageProbe's cap) away, then every waiting job answers.
  const settled = await fakes.settle(channel, tss, Math.max(0, win.until - Date.now()) + 60_000);
  const t = tally(settled.counts);
  const during = within(settled.modelCalls, win.from, win.until);
  const after = settled.modelCalls.length - during;
  const answeredAfter = settled.firstAnswerAt.filter((at) => at >= win.until).length;
  return row('anthropic-529-60s', {
    acked: `${load.acks.length}/${n}`,
    answeredOnce: `${t.once}/${n}`,
    lost: String(t.never),
    duplicated: String(t.dup),
    apologies: String(settled.apologies),
    modelRequests: `${settled.modelCalls.length} / ${during}`,
    recover: t.never ? `not within ${s1(60_000)}` : s1(settled.lastAnswerAt - win.until),
    notes: [
      `1 LUNA_ROLE=all process, default config; 529 for ${OUTAGE_S} s from the first mention; ${n} mentions at 100/s, model 1.5 s once back`,
      `model requests during the window: ${during} = ${(during / n).toFixed(2)} per mention; after it: ${after} (${(after / n).toFixed(2)} per mention)`,
      `model requests from the window's start: ${timeline(settled.modelCalls, win.from)} (the window ends at +${OUTAGE_S}.0 s)`,
      `answers after the window: ${answeredAfter}/${n}; still-working notes: ${settled.stillWorking} (model.stillWorkingNoteSeconds 30); working indicator left on ${settled.indicatorLeft}`,
      `LUNA's warnings: ${warnings([luna])}`,
      `time to recover = window end → last answer; first answer ${settled.firstAnswerAt.some(Boolean) ? s1(Math.min(...settled.firstAnswerAt.filter(Boolean)) - win.until) : '—'} after it`,
    ],
    checks: [
      ['every mention answered once, after the window', t.once === n && answeredAfter === n],
      ['0 apologies', settled.apologies === 0],
      [`model requests during the window ≤ 2 × mentions (${2 * n})`, during <= 2 * n],
    ],
  });
}

// ── 2. a worker SIGKILLed mid-answer, a second worker alive beside it ────────────────────────────────────────────

async function killWorker(scope: Scope): Promise<Row> {
  const k = 5;
  const redoMs = 3_000;
  const redis = await redisIn(scope);
  const fakes = await fakesIn(scope);
  const config = `persona: luna\nqueue:\n  lockSeconds: ${LOCK_S}\n`;
  const web = await lunaIn(scope, await lunaEnv(scope, fakes, redis.url, 'web', config));
  const doomed = await lunaIn(scope, await lunaEnv(scope, fakes, redis.url, 'worker', config));
  const channel = 'C0KILL';
  // Slow enough that the doomed worker is certainly mid-answer (its model calls open) when it dies.
  const tss = await fakes.setup(channel, k, 120_000);
  const load = await offerMentions(eventsUrl(web), channel, tss, 20);
  const allOpen = await poll(async () => (await fakes.modelRequests()).inFlight >= k, 20_000);
  if (!allOpen) throw new Error(`the first worker did not start ${k} model calls within 20 s`);
  const survivor = await lunaIn(scope, await lunaEnv(scope, fakes, redis.url, 'worker', config));
  await fakes.model({ modelMs: redoMs }); // the survivor's answers take a few seconds, as a real one would
  process.kill(doomed.pid, 'SIGKILL');
  const killedAt = Date.now();
  const settled = await fakes.settle(channel, tss, LOCK_S * 2_000 + 30_000);
  const t = tally(settled.counts);
  const retried = settled.modelCalls.filter((c) => c.at >= killedAt).map((c) => c.at - killedAt);
  const done = settled.firstAnswerAt.filter(Boolean).map((at) => at - killedAt);
  const recovered = logLines(survivor.output()).json.filter((l) =>
    /recovered a job whose worker stopped/.test(String(l.msg)),
  );
  const perJob = new Map<string, number>();
  for (const l of recovered) perJob.set(String(l.job), (perJob.get(String(l.job)) ?? 0) + 1);
  const pickup = retried.length ? Math.max(...retried) : NaN;
  return row('kill-worker', {
    acked: `${load.acks.length}/${k}`,
    answeredOnce: `${t.once}/${k}`,
    lost: String(t.never),
    duplicated: String(t.dup),
    apologies: String(settled.apologies),
    modelRequests: `${settled.modelCalls.length} / ${retried.length}`,
    recover: done.length
      ? `${s1(Math.max(...done))} (lockSeconds ${LOCK_S})`
      : `not within ${s1(LOCK_S * 2_000 + 30_000)}`,
    notes: [
      `1 web + 2 workers, queue.lockSeconds ${LOCK_S}; ${k} mentions all mid-answer on the killed worker; the survivor's model calls take ${s1(redoMs)}`,
      `kill → model call again (job picked up): ${retried.length ? retried.map((ms) => s1(ms)).join(', ') : 'none'}; kill → answered: ${done.map((ms) => s1(ms)).join(', ') || 'none'}`,
      `"recovered a job…" lines in the live worker's log: ${recovered.length} for ${perJob.size} distinct jobs (${k} were recovered)`,
      `LUNA's warnings: ${warnings([web, survivor])}`,
    ],
    checks: [
      [`every job answered once`, t.once === k],
      [`picked up again within lockSeconds (${LOCK_S} s)`, pickup <= LOCK_S * 1000],
      ['one log line per recovered job', recovered.length === k && perJob.size === k],
    ],
  });
}

// ── 3. LUNA started while nothing listens at REDIS_URL, then Redis comes ────────────────────────────────────────

async function redisDownAtStart(scope: Scope): Promise<Row> {
  const downMs = QUICK ? 3_000 : 6_000;
  const fakes = await fakesIn(scope);
  const [redisPort, httpPort] = [await freePort(), await freePort()];
  const env = await lunaEnv(scope, fakes, `redis://127.0.0.1:${redisPort}`, 'all', DEFAULT_CONFIG, {
    PORT: String(httpPort),
  });
  const child = startChild(env, ENTRY);
  let exitCode: number | null | undefined;
  void child.exited.then((c) => (exitCode = c));
  scope.add(async () => {
    if (exitCode !== undefined) return;
    child.proc.kill('SIGKILL');
    await child.exited;
  });
  const base = `http://127.0.0.1:${httpPort}`;
  await sleep(downMs);
  const [healthz, readyz] = [await get(`${base}/healthz`), await get(`${base}/readyz`)];
  const exitedWhileDown = exitCode !== undefined;
  const lines = logLines(child.output());

  await redisIn(scope, [], redisPort);
  const upAt = Date.now();
  let ready = false;
  if (!exitedWhileDown)
    ready = await poll(async () => exitCode === undefined && (await get(`${base}/readyz`)).status === 200, 30_000);
  const readyMs = Date.now() - upAt;
  let answeredMs: number | undefined;
  let mention = '';
  let settled: Settled | undefined;
  if (ready) {
    const [ts] = await fakes.setup('C0LATE', 1, 500);
    const r = await sendMention(`${base}/slack/events`, 'C0LATE', ts!);
    mention = `mention acked ${r.status}`;
    settled = await fakes.settle('C0LATE', [ts!], 30_000);
    if (settled.counts[0]) answeredMs = settled.firstAnswerAt[0]! - upAt;
  }
  const body = readyz.body ? clip(readyz.body.replace(/\s+/g, ' ')) : '—';
  const ended = exitedWhileDown ? `LUNA exited (code ${exitCode}) before Redis came` : 'LUNA still running';
  const after = logLines(child.output());
  return row('redis-down-at-start', {
    acked: settled ? '1/1' : '—',
    answeredOnce: settled ? `${settled.counts[0] === 1 ? 1 : 0}/1` : '—',
    lost: settled ? String(settled.counts[0] ? 0 : 1) : '—',
    duplicated: settled ? String((settled.counts[0] ?? 0) > 1 ? 1 : 0) : '—',
    apologies: settled ? String(settled.apologies) : '—',
    modelRequests: settled ? `${settled.modelCalls.length} / 0` : '—',
    recover: ready
      ? `readyz 200 ${s1(readyMs)}, answered ${answeredMs !== undefined ? s1(answeredMs) : 'never'}`
      : `never (${ended})`,
    notes: [
      `1 LUNA_ROLE=all process, REDIS_URL at port ${redisPort} with nothing listening for ${s1(downMs)}, then redis-server started there`,
      `while Redis was down: healthz: ${healthz.status}; readyz: ${readyz.status}, body ${body}; ${ended}`,
      `log while down: ${lines.json.length} JSON lines, ${lines.other.length} non-JSON lines${lines.other.length ? ` (most common: ${commonest(lines.other)})` : ''}`,
      `log in all: ${after.json.length} JSON lines, ${after.other.length} non-JSON lines; after Redis came: ${ready ? `readyz 200 after ${s1(readyMs)}, ${mention}` : 'readyz never 200'}`,
    ],
    checks: [
      ['healthz 200 while Redis is down', healthz.status === 200],
      ['readyz 503 naming Redis while it is down', readyz.status === 503 && /redis/i.test(readyz.body)],
      ['JSON-only log lines', after.other.length === 0],
      ['ready and answering once Redis is up', ready && answeredMs !== undefined],
    ],
  });
}

// ── 4. a Redis that keeps nothing on disk, killed and restarted empty under acked work ───────────────────────────

const VOLATILE_WARNING = /keeps nothing on disk|no persistence|appendonly|would be lost on a Redis restart|volatile/i;

async function redisRestartVolatile(scope: Scope): Promise<Row> {
  const n = 30;
  const modelMs = QUICK ? 5_000 : 8_000;
  const redis = await redisIn(scope, ['--appendonly', 'no', '--save', '']);
  const fakes = await fakesIn(scope);
  // 10 jobs at a time: some are running (in a worker's memory) when Redis dies, the rest only queued in Redis.
  const config = 'persona: luna\nqueue:\n  concurrency: 10\n';
  const web = await lunaIn(scope, await lunaEnv(scope, fakes, redis.url, 'web', config));
  const worker = await lunaIn(scope, await lunaEnv(scope, fakes, redis.url, 'worker', config));
  const channel = 'C0VOLATILE';
  const [canary, ...tss] = await fakes.setup(channel, n + 1, modelMs);
  const load = await offerMentions(eventsUrl(web), channel, tss, 30);
  await sleep(1_000);
  const { inFlight } = await fakes.modelRequests();
  await redis.kill();
  const killedAt = Date.now();
  await sleep(1_000);
  await redis.restart();
  const backAt = Date.now();
  // Slack redelivers a mention it got no 200 for; the canary is a new mention after the restart.
  let canaryAck = 0;
  let tries = 0;
  await poll(
    async () => (
      tries++,
      (canaryAck = (await sendMention(eventsUrl(web), channel, canary!, { text: 'are you back?' })).status) === 200
    ),
    15_000,
    500,
  );
  const canaryAckMs = Date.now() - backAt;
  const settled = await fakes.settle(channel, [...tss, canary!], modelMs * 2 + 15_000);
  const counts = settled.counts.slice(0, n);
  const t = tally(counts);
  const lostAcked = counts.filter((c, i) => c === 0 && load.statuses[i] === 200).length;
  const canaryAt = settled.firstAnswerAt[n] ?? 0;
  const volatile = [web, worker].flatMap((p) =>
    logLines(p.output()).json.filter((l) => l.level === 'warn' && VOLATILE_WARNING.test(String(l.msg))),
  );
  const downFor = backAt - killedAt;
  return row('redis-restart-volatile', {
    acked: `${load.acks.length}/${n}`,
    answeredOnce: `${t.once}/${n}`,
    lost: String(lostAcked),
    duplicated: String(t.dup),
    apologies: String(settled.apologies),
    modelRequests: `${settled.modelCalls.length} / ${within(settled.modelCalls, killedAt, backAt)}`,
    recover: canaryAt
      ? `${s1(canaryAt - backAt)} (new mention answered; model ${s1(modelMs)})`
      : `never (canary ack ${canaryAck})`,
    notes: [
      `1 web + 1 worker (queue.concurrency 10), Redis --appendonly no --save ''; ${n} mentions acked, model ${s1(modelMs)}; ${inFlight} model calls open when Redis was SIGKILLed, restarted empty after ${s1(downFor)}`,
      `answered: ${t.once} (at most ${inFlight} were running in the worker), lost after a 200: ${lostAcked} (still showing the working indicator at the end: ${settled.indicatorLeft}); canary mention after the restart: ack ${canaryAck} after ${tries} tries (${s1(canaryAckMs)}; Slack redelivers), ${canaryAt ? 'answered' : 'not answered'}`,
      `LUNA's warnings: ${warnings([web, worker])}`,
      `start-up warning about a Redis that keeps nothing on disk: ${volatile.length ? clip(String(volatile[0]!.msg)) : 'none in either process’s log'}`,
    ],
    checks: [
      ['LUNA warned at start-up that Redis keeps nothing on disk', volatile.length > 0],
      ['LUNA answers new mentions after the restart', canaryAt > 0],
    ],
  });
}

// ── 5. Redis with AOF SIGKILLed for 3 s under load, restarted on its port and folder ────────────────────────────

async function redisBlipAof(scope: Scope): Promise<Row> {
  const n = 100;
  const rate = 20;
  const blipMs = 3_000;
  const redis = await redisIn(scope, ['--appendonly', 'yes']);
  const fakes = await fakesIn(scope);
  const web = await lunaIn(scope, await lunaEnv(scope, fakes, redis.url, 'web'));
  const worker = await lunaIn(scope, await lunaEnv(scope, fakes, redis.url, 'worker'));
  const channel = 'C0BLIP';
  const tss = await fakes.setup(channel, n, 1500);
  const url = eventsUrl(web);
  // Slack redelivers an event it got no 200 for: first almost at once, then after a minute (here: once LUNA is ready again).
  const firstRetries: Array<Promise<{ i: number; status: number }>> = [];
  const onResponse = (i: number, status: number) => {
    if (status === 200) return;
    firstRetries.push(
      sleep(1_000).then(() =>
        sendMention(url, channel, tss[i]!, { text: `question ${i}`, retryNum: 1, user: benchUser(i) }).then((r) => ({
          i,
          status: r.status,
        })),
      ),
    );
  };
  const offered = offerMentions(url, channel, tss, rate, undefined, onResponse);
  await sleep(1_000);
  await redis.kill();
  const killedAt = Date.now();
  await sleep(blipMs);
  await redis.restart();
  const backAt = Date.now();
  const ready = await poll(async () => (await get(`http://127.0.0.1:${web.port}/readyz`)).status === 200, 30_000);
  const readyMs = Date.now() - backAt;
  const load = await offered;
  const retry1 = await Promise.all(firstRetries);
  const ackedBy = new Map<number, string>();
  tss.forEach((_, i) => load.statuses[i] === 200 && ackedBy.set(i, 'first'));
  for (const r of retry1) if (r.status === 200) ackedBy.set(r.i, 'retry 1');
  const stillOut = tss.flatMap((_, i) => (ackedBy.has(i) ? [] : [i]));
  const retry2 = await Promise.all(
    stillOut.map((i) =>
      sendMention(url, channel, tss[i]!, { text: `question ${i}`, retryNum: 2, user: benchUser(i) }).then((r) => ({
        i,
        status: r.status,
      })),
    ),
  );
  for (const r of retry2) if (r.status === 200) ackedBy.set(r.i, 'retry 2');
  const settled = await fakes.settle(channel, tss, 45_000);
  const t = tally(settled.counts);
  const lostAcked = settled.counts.filter((c, i) => c === 0 && ackedBy.has(i)).length;
  const refused = tss.flatMap((_, i) => (load.statuses[i] === 200 ? [] : [i]));
  const byStatus = new Map<string, number>();
  for (const i of refused)
    byStatus.set(
      String(load.statuses[i] || 'no response'),
      (byStatus.get(String(load.statuses[i] || 'no response')) ?? 0) + 1,
    );
  const inBlip = refused.filter((i) => load.sentAt[i]! >= killedAt && load.sentAt[i]! <= backAt).length;
  const sentDuring = load.sentAt.filter((at) => at >= killedAt && at < backAt).length;
  const firstOkAfter = tss
    .map((_, i) => (load.statuses[i] === 200 ? load.sentAt[i]! + load.latencies[i]! : Infinity))
    .filter((at) => at >= backAt)
    .reduce((a, b) => Math.min(a, b), Infinity);
  const count = (what: string) => [...ackedBy.values()].filter((v) => v === what).length;
  const statuses = (rs: Array<{ status: number }>) => {
    const m = new Map<number, number>();
    for (const r of rs) m.set(r.status, (m.get(r.status) ?? 0) + 1);
    return [...m].map(([k, v]) => `${v}× ${k || 'no response'}`).join(', ') || 'none';
  };
  return row('redis-blip-aof', {
    acked: `${count('first')}/${n} (+${count('retry 1')} +${count('retry 2')} on Slack's retries)`,
    answeredOnce: `${t.once}/${n}`,
    lost: String(lostAcked),
    duplicated: String(t.dup),
    apologies: String(settled.apologies),
    modelRequests: `${settled.modelCalls.length} / ${within(settled.modelCalls, killedAt, backAt)}`,
    recover: ready ? `readyz 200 ${s1(readyMs)} after Redis back` : 'readyz not 200 within 30 s',
    notes: [
      `1 web + 1 worker, default config, Redis --appendonly yes; ${n} mentions at ${rate}/s, Redis SIGKILLed ${s1(killedAt - load.startedAt)} in for ${s1(backAt - killedAt)} (${sentDuring} mentions sent meanwhile), model 1.5 s`,
      `HTTP 500s: ${byStatus.get('500') ?? 0} (first tries not 200: ${[...byStatus].map(([k, v]) => `${v}× ${k}`).join(', ') || 'none'}; ${inBlip} sent while Redis was down, ${refused.length - inBlip} after it was back)`,
      `first 200 of a first try after Redis was back: ${Number.isFinite(firstOkAfter) ? `${s1(firstOkAfter - backAt)} after` : 'none'}`,
      `Slack's retries: 1 s after each refusal ${statuses(retry1)}; once more after readyz was 200 again: ${statuses(retry2)}`,
      `lost = acked (first try or a retry) and never answered; never answered at all: ${t.never}; model requests per mention: ${(settled.modelCalls.length / n).toFixed(2)}; working indicator left on ${settled.indicatorLeft}`,
      `LUNA's warnings: ${warnings([web, worker])}`,
    ],
    checks: [
      ['0 lost, 0 duplicated', lostAcked === 0 && t.dup === 0],
      ['every mention answered once (after Slack’s retries)', t.once === n],
      ['no 500 for a mention sent after Redis was back', refused.length === inBlip],
    ],
  });
}

// ── 6. a slow model and a backlog: how soon does the working indicator show? ────────────────────────────────────

async function slowModelBacklog(scope: Scope): Promise<Row> {
  const n = QUICK ? 100 : 200;
  const rate = 20;
  const modelMs = QUICK ? 10_000 : 30_000;
  const redis = await redisIn(scope);
  const fakes = await fakesIn(scope);
  const web = await lunaIn(scope, await lunaEnv(scope, fakes, redis.url, 'web'));
  await lunaIn(scope, await lunaEnv(scope, fakes, redis.url, 'worker'));
  const channel = 'C0BACKLOG';
  const tss = await fakes.setup(channel, n, modelMs);
  const load = await offerMentions(eventsUrl(web), channel, tss, rate);
  let settled = await fakes.settle(channel, tss, 0);
  await poll(
    async () => {
      settled = await fakes.settle(channel, tss, 0);
      return settled.reactionAt.every(Boolean);
    },
    15_000,
    500,
  );
  const delays = settled.reactionAt.flatMap((at, i) => (at ? [at - load.sentAt[i]!] : []));
  const missing = n - delays.length;
  const t = tally(settled.counts);
  return row('slow-model-backlog', {
    acked: `${load.acks.length}/${n}`,
    answeredOnce: `${t.once}/${n} (not awaited)`,
    lost: '—',
    duplicated: String(t.dup),
    apologies: String(settled.apologies),
    modelRequests: `${settled.modelCalls.length} / —`,
    notes: [
      `1 web + 1 worker, default config (queue.concurrency 64); ${n} mentions at ${rate}/s, model ${s1(modelMs)}: a backlog of ${Math.max(0, n - 64)} waiting jobs`,
      `mention sent → reactions.add on it: ${delays.length ? msStats(delays) : '—'}; no indicator on ${missing} (within 15 s of the last send)`,
    ],
    checks: [
      ['working indicator ≤ 1 s after the mention, every mention', missing === 0 && Math.max(...delays) <= 1_000],
    ],
  });
}

// ── 7. the escalation assessment on a 5,000-message thread ───────────────────────────────────────────────────────

async function assessment5000(scope: Scope): Promise<Row> {
  const messages = 5_000;
  const redis = await redisIn(scope);
  const fakes = await fakesIn(scope);
  const config = stringify({ persona: 'luna', escalation: TEST_ESCALATION });
  const luna = await lunaIn(scope, await lunaEnv(scope, fakes, redis.url, 'all', config));
  const channel = 'C0LONG';
  await fakes.model({ modelMs: 1_000 });
  const thread = await fakes.thread(channel, messages);
  const ack = await sendMention(eventsUrl(luna), channel, thread.mentionTs, {
    threadTs: thread.parentTs,
    text: 'should we offer Acme the renewal discount?',
  });
  let settled = await fakes.settle(channel, [thread.parentTs], 60_000);
  // The assessment runs beside the answer and may finish just after it is posted.
  await poll(
    async () =>
      (settled = await fakes.settle(channel, [thread.parentTs], 0)).modelCalls.some((c) => c.ok && c.structured),
    10_000,
    300,
  );
  const answer = settled.modelCalls.filter((c) => c.ok && !c.structured);
  const assess = settled.modelCalls.filter((c) => c.ok && c.structured);
  const sum = (cs: ModelCall[], k: 'inputTokens' | 'uncachedInputTokens') => cs.reduce((a, c) => a + c[k], 0);
  const [aIn, sIn] = [sum(answer, 'inputTokens'), sum(assess, 'inputTokens')];
  const [aUn, sUn] = [sum(answer, 'uncachedInputTokens'), sum(assess, 'uncachedInputTokens')];
  const ratio = sIn / aIn;
  const t = tally(settled.counts);
  return row('assessment-5000', {
    acked: `${ack.status === 200 ? 1 : 0}/1`,
    answeredOnce: `${t.once}/1`,
    lost: String(t.never),
    duplicated: String(t.dup),
    apologies: String(settled.apologies),
    modelRequests: `${settled.modelCalls.length} / —`,
    notes: [
      `1 LUNA_ROLE=all process, escalation configured (4 areas), default model.threadTokenBudget and escalation.assessmentTokenBudget; one mention as message ${messages} of a thread`,
      `input tokens (uncached + cache read + cache write): answer ${aIn} (${answer.length} call), assessment ${sIn} (${assess.length} call) = ${(100 * ratio).toFixed(1)}% of the answer's; uncached only: ${aUn} vs ${sUn} (${((100 * sUn) / aUn).toFixed(1)}%)`,
    ],
    checks: [
      ['assessment input < 25% of the answer input', assess.length > 0 && ratio < 0.25],
      ['the mention answered once', t.once === 1],
    ],
  });
}

// ── running them ──────────────────────────────────────────────────────────────────────────────────────────────────

const RUN: Record<Scenario, { run: (scope: Scope) => Promise<Row>; limitMs: number }> = {
  'anthropic-529-60s': { run: anthropicOutage, limitMs: OUTAGE_S * 1000 + 120_000 },
  'kill-worker': { run: killWorker, limitMs: LOCK_S * 2_000 + 90_000 },
  'redis-down-at-start': { run: redisDownAtStart, limitMs: 120_000 },
  'redis-restart-volatile': { run: redisRestartVolatile, limitMs: 120_000 },
  'redis-blip-aof': { run: redisBlipAof, limitMs: 150_000 },
  'slow-model-backlog': { run: slowModelBacklog, limitMs: 120_000 },
  'assessment-5000': { run: assessment5000, limitMs: 120_000 },
};

async function runOne(name: Scenario): Promise<Row> {
  const scope = new Scope();
  open.add(scope);
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${s1(RUN[name].limitMs)}`)), RUN[name].limitMs);
    });
    const running = RUN[name].run(scope);
    current = running.catch(() => {});
    const r = await Promise.race([running, limit]);
    r.notes.push(`took ${s1(Date.now() - started)}`);
    return r;
  } catch (err) {
    return row(name, { acked: 'FAILED', notes: [`failed: ${clip(String((err as Error)?.stack ?? err), 600)}`] });
  } finally {
    clearTimeout(timer);
    await scope.close();
    open.delete(scope);
  }
}

function table(rows: Row[]): string {
  const widths = COLUMNS.map(([k, title]) => Math.max(title.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(COLUMNS.map(([, title]) => title)),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((r) => line(COLUMNS.map(([k]) => String(r[k])))),
  ].join('\n');
}

function details(rows: Row[]): string {
  return rows
    .map((r) =>
      [
        `${r.fault}:`,
        ...r.notes.map((n) => `  ${n}`),
        ...r.checks.map(([what, ok]) => `  ${ok ? 'met    ' : 'NOT met'}  ${what}`),
      ].join('\n'),
    )
    .join('\n');
}

async function main(): Promise<void> {
  const chosen = values.only ? (values.only.split(',') as Scenario[]) : [...SCENARIOS];
  const unknown = chosen.filter((s) => !SCENARIOS.includes(s));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`);
  const load0 = loadavg();
  const started = Date.now();
  if (ENTRY.endsWith('.js')) buildDist(ENTRY);
  const rows: Row[] = [];
  for (const name of chosen) {
    process.stderr.write(`bench:faults: ${name}…\n`);
    const r = await runOne(name);
    rows.push(r);
    process.stderr.write(`${table([r])}\n`);
  }
  const load1 = loadavg();
  console.log(
    `\nLUNA under faults (from ${ENTRY}${QUICK ? ', --quick' : ''}; outage ${OUTAGE_S} s, lockSeconds ${LOCK_S} s in kill-worker)\n`,
  );
  console.log(table(rows));
  console.log(`\n${details(rows)}`);
  console.log(
    `\nmachine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), load average ${load0.map((l) => l.toFixed(2)).join(' ')} at the start, ${load1.map((l) => l.toFixed(2)).join(' ')} at the end; run took ${s1(Date.now() - started)}`,
  );
}

/** Undoes every open scope, then gives a process or Redis still starting up to 15 s to start and be stopped. */
async function closeAll(): Promise<void> {
  for (const scope of open) await scope.close();
  await Promise.race([current, sleep(15_000)]);
}
// A second Ctrl-C exits at once (the listener is gone by then).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench:faults: ${signal}, stopping what it started…\n`);
    void closeAll().finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    void closeAll().finally(() => process.exit(1));
  },
);
