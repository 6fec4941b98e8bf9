/**
 * `npm run bench`: LUNA as production runs it — its own processes (`node dist/main.js`), HTTP mode, real
 * Redis — against the fake Slack and fake Anthropic servers (in a process of their own), with
 * N signed `app_mention` events offered at R per second. The same load goes first to a bare Bolt app that
 * only acknowledges: the floor LUNA's ack latency is compared with.
 *
 *   npm run bench -- --mentions 300 --rate 100 --model-ms 1500 --mode all,tuned,split,cluster [--minimal] [--own-redis] [--concurrency N] [--max-model-calls N] [--no-stream] [--from dist|src] [--beside]
 *
 * LUNA runs with the config a team runs (REALISTIC below: escalation owners and fallback, handles, customer
 * channels, an account book whose account the bench channel is about), so every answer is also assessed for
 * escalation — a second model call — and every tenth question escalates. `--minimal` runs the bare config
 * (`persona: luna`) instead: one model call per answer, nothing assessed.
 *
 * LUNA runs from dist/ (built first, as `npm start` does) unless `--from src` runs it through tsx.
 *
 * Modes (comma-separated; default all,tuned,split,cluster): `all` is one process (LUNA_ROLE=all) with the
 * default config; `tuned` is one process with TUNED below; `split` is one web process and two workers on one
 * queue; `cluster` is that layout on a three-master Redis Cluster the bench starts; `web` is a diagnostic: a
 * web process alone, the ack path with no worker competing for the CPU (nothing is answered).
 * `--concurrency`/`--max-model-calls`/`--no-stream` override the config of every mode.
 * Prints ack p50/p99/max against the floor, answered-once and duplicate counts, wall time against the
 * ideal (N/R + model latency), peak RSS and CPU of each LUNA process (a supervised worker child included),
 * CPU ms, Redis commands and Slack calls per answer, prompt-cache share and time to first token.
 */
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { setup as ensureRedis, teardown as stopOwnRedis } from '../test/helpers/global-redis.js';
import { clearPrefix, testEnv } from '../test/helpers/harness.js';
import {
  cpuSecondsOf,
  descendantsOf,
  histogramBound,
  memoryOf,
  metricSum,
  scrape,
  startLunaProcess,
  type LunaProcess,
} from '../test/helpers/luna-procs.js';
import { onPath, startRedisCluster, startRedisServer, type RedisCluster } from '../test/helpers/redis-server.js';
import type { Settled } from './fakes-process.js';
import { writeAccountBook, inDays } from '../test/helpers/account-book.js';
import { buildDist, offerMentions, percentile, startFakes, type Fakes, type OfferedLoad } from './load.js';
import { ESCALATE_EVERY, ESCALATION_CHANNEL } from './team.js';

const { values } = parseArgs({
  options: {
    mentions: { type: 'string', default: '300' },
    rate: { type: 'string', default: '100' },
    'model-ms': { type: 'string', default: '1500' },
    mode: { type: 'string', default: 'all,tuned,split,cluster' },
    concurrency: { type: 'string', default: '' },
    'max-model-calls': { type: 'string', default: '' },
    // Post every answer once instead of streaming it (model.stream: false), to see what streaming costs the ack path.
    'no-stream': { type: 'boolean', default: false },
    warmup: { type: 'string', default: '30' },
    beside: { type: 'boolean', default: false },
    from: { type: 'string', default: 'dist' },
    // A redis-server of the bench's own (AOF on), so Redis counts are LUNA's alone.
    'own-redis': { type: 'boolean', default: false },
    // The bare config (persona only): no escalation, so one model call per answer.
    minimal: { type: 'boolean', default: false },
    // Write a V8 CPU profile of every LUNA process (a worker child included) into this folder.
    'cpu-prof': { type: 'string', default: '' },
  },
});
const N = Number(values.mentions);
const RATE = Number(values.rate);
const MODEL_MS = Number(values['model-ms']);
const CONCURRENCY = values.concurrency ? Number(values.concurrency) : undefined;
const MAX_CALLS = values['max-model-calls'] ? Number(values['max-model-calls']) : undefined;
const WARMUP = Number(values.warmup);
const IDEAL_MS = (N / RATE) * 1000 + MODEL_MS;
const ENTRY = values.from === 'src' ? 'src/main.ts' : 'dist/main.js';

/** `tuned`: what this bench's load asks of one process beyond the defaults (queue.concurrency 200, maxConcurrentCalls 200). */
const TUNED = { concurrency: 300, maxCalls: 300 };

const MODES = {
  all: { title: '1 process (LUNA_ROLE=all), default config', roles: ['all'], tuned: false, cluster: false },
  tuned: {
    title: `1 process (LUNA_ROLE=all), tuned: queue.concurrency ${TUNED.concurrency}, model.maxConcurrentCalls ${TUNED.maxCalls}`,
    roles: ['all'],
    tuned: true,
    cluster: false,
  },
  split: {
    title: '1 web + 2 workers (LUNA_ROLE=web, worker, worker), default config',
    roles: ['web', 'worker', 'worker'],
    tuned: false,
    cluster: false,
  },
  cluster: {
    title: '1 web + 2 workers on a 3-master Redis Cluster (REDIS_CLUSTER_NODES)',
    roles: ['web', 'worker', 'worker'],
    tuned: false,
    cluster: true,
  },
  // Diagnostic: the ack path alone, with no worker competing for the CPU (nothing is answered).
  web: { title: '1 web process, no workers (ack cost alone)', roles: ['web'], tuned: false, cluster: false },
} as const;
type Mode = keyof typeof MODES;

const MINIMAL = values.minimal;
const OWN_REDIS = values['own-redis'];

/** PRODUCT.md's example config, as a team runs it; the bench channels (and their warm-ups) are about the account Acme Corp. */
function realistic(channels: string[]): string[] {
  return [
    'escalation:',
    `  channel: ${ESCALATION_CHANNEL}`,
    '  owners:',
    '    - area: Strategic customer relationship decisions',
    '      notify: [U0123ABCD]',
    '    - area: Complex customer negotiations',
    '      notify: [U0456EFGH]',
    '    - area: High-touch customer success initiatives',
    '      notify: [U0789IJKL]',
    '    - area: Executive customer relationships',
    '      notify: [S0EXECTEAM]',
    '  fallback: [U0CSLEAD]',
    '  acknowledgeWithinMinutes: 30',
    'handles:',
    '  sales: S0SALES',
    '  marketing: S0MARKETING',
    'customerChannels:',
    '  answers: draft',
    '  externalMentions: draft',
    '  owners:',
    '    C0ACMESHARED: [U0CSM1]',
    '  channels:',
    '    C0GUESTS: customer',
    'accounts:',
    '  channels:',
    ...channels.map((c) => `    ${c}: Acme Corp`),
  ];
}

/** The account book of the realistic config (LUNA_ACCOUNTS). */
const ACCOUNT_BOOK = [
  {
    name: 'Acme Corp',
    slack_channels: 'C0ACMESHARED',
    owner: 'U0CSM1',
    arr: '240000',
    plan: 'Enterprise',
    renewal_date: inDays(60),
    health: 'yellow',
  },
  {
    name: 'Globex',
    slack_channels: 'C0GLOBEX',
    owner: 'U0CSM2',
    arr: '90000',
    plan: 'Growth',
    renewal_date: inDays(200),
    health: 'green',
  },
];

/** The mode's luna.config.yml: realistic (or minimal), `tuned`'s two settings, and whatever the command line overrides. */
function configFor(mode: Mode, channel = 'C0BENCH'): string {
  const concurrency = CONCURRENCY ?? (MODES[mode].tuned ? TUNED.concurrency : undefined);
  const maxCalls = MAX_CALLS ?? (MODES[mode].tuned ? TUNED.maxCalls : undefined);
  const model = [
    maxCalls ? `  maxConcurrentCalls: ${maxCalls}` : '',
    values['no-stream'] ? '  stream: false' : '',
  ].filter(Boolean);
  return [
    'persona: luna',
    ...(MINIMAL ? [] : realistic([channel, `${channel}W`])),
    ...(concurrency ? ['queue:', `  concurrency: ${concurrency}`] : []),
    ...(model.length ? ['model:', ...model] : []),
    '',
  ].join('\n');
}

/** What the offered line says of the config: the minimal one in full, the realistic one by its sections. */
function configSummary(mode: Mode): string {
  const overrides = configFor(mode)
    .split('\n')
    .filter((l) => /^(queue|model):|^  (concurrency|maxConcurrentCalls|stream):/.test(l));
  const base = MINIMAL
    ? 'persona: luna (minimal)'
    : 'realistic (escalation: 4 owners + fallback, handles, customerChannels, accounts + LUNA_ACCOUNTS)';
  return [base, ...overrides].join(' ').replace(/\s+/g, ' ');
}

interface ProcessReport {
  role: string;
  peakMb: number;
  cpuSeconds: number;
}

interface FloorRun {
  load: OfferedLoad;
  cpuSeconds: number;
}

interface LunaRun {
  load: OfferedLoad;
  /** CPU the rest of the bench used meanwhile: the fakes' process and the load generator. */
  benchCpu: { fakes: number; loadGenerator: number };
  /** Absent when no worker ran. */
  settled?: Settled;
  /** Each LUNA process, a supervised worker child as one of its own; CPU counted over the measured load only. */
  processes: ProcessReport[];
  /** Commands Redis (every node of a cluster) processed during the measured load. */
  redisCommands: number;
  /** The same, per command (INFO commandstats: the commands scripts run are counted under their own names as well). */
  byCommand: Map<string, number>;
  firstTokenMs: number;
  /** LUNA's own view of the ack (request parsed → job in Redis), as histogram bucket bounds in ms. */
  insideAck: { p50: number; p99: number };
  /** The first process's event-loop delay over the measured load (prom-client resets it at each scrape), in ms. */
  loopDelay: { p99: number; max: number };
  /** Cumulative buckets (upper bound in s → count) of the time model calls waited for a slot, by class. */
  waits: { answer: Map<number, number>; background: Map<number, number> };
}

/** A histogram's cumulative buckets (upper bound → count) for the series with `labels`. */
function bucketsOf(text: string, name: string, labels: Record<string, string>): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}_bucket\\{([^}]*)\\} (\\S+)$`).exec(line);
    if (!m || !Object.entries(labels).every(([k, v]) => m[1]!.includes(`${k}="${v}"`))) continue;
    const le = /le="([^"]+)"/.exec(m[1]!)?.[1];
    if (le) out.set(Number(le), (out.get(Number(le)) ?? 0) + Number(m[2]));
  }
  return out;
}
const sumBuckets = (list: Map<number, number>[]) => {
  const out = new Map<number, number>();
  for (const b of list) for (const [le, n] of b) out.set(le, (out.get(le) ?? 0) + n);
  return out;
};
const subtractBuckets = (a: Map<number, number>, b: Map<number, number>) =>
  new Map([...a].map(([le, n]) => [le, n - (b.get(le) ?? 0)]));

/** "p50 ≤ x / p95 ≤ y (n calls)" from cumulative buckets: the bucket bound that holds each quantile. */
function waitSummary(b: Map<number, number>): string {
  const sorted = [...b].sort(([x], [y]) => x - y);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (!total) return 'no calls';
  const q = (p: number) => {
    const le = sorted.find(([, n]) => n >= p * total)?.[0] ?? NaN;
    return le === Infinity ? '> 60 s' : le < 1 ? `≤ ${(le * 1000).toFixed(0)} ms` : `≤ ${le} s`;
  };
  return `p50 ${q(0.5)}, p95 ${q(0.95)} (${total} calls)`;
}

/** Where a mode's LUNA keeps its queue: the bench's Redis, or a cluster it started. */
interface RedisTarget {
  env: Record<string, string>;
  prefix: string;
  /** Commands processed so far, summed over the nodes. */
  commands(): Promise<number>;
  /** Calls so far per command (INFO commandstats, summed over the nodes; commands a script runs count too). */
  commandStats(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

async function redisTarget(mode: Mode): Promise<RedisTarget> {
  const id = randomUUID().slice(0, 8);
  const count = async (clients: Redis[]) => {
    const infos = await Promise.all(clients.map((c) => c.info('stats')));
    return infos.reduce((a, info) => a + Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN), 0);
  };
  const stats = async (clients: Redis[]) => {
    const out = new Map<string, number>();
    for (const info of await Promise.all(clients.map((c) => c.info('commandstats')))) {
      for (const [, name, calls] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
        out.set(name!, (out.get(name!) ?? 0) + Number(calls));
    }
    return out;
  };
  if (!MODES[mode].cluster) {
    const admin = new Redis(process.env.REDIS_URL!);
    const prefix = `luna-bench-${id}`;
    return {
      env: { REDIS_URL: process.env.REDIS_URL! },
      prefix,
      commands: () => count([admin]),
      commandStats: () => stats([admin]),
      close: async () => (await clearPrefix(prefix), admin.disconnect()),
    };
  }
  if (!onPath('redis-server') || !onPath('redis-cli'))
    throw new Error('--mode cluster needs redis-server and redis-cli on PATH');
  const cluster: RedisCluster = await startRedisCluster(3);
  const admins = cluster.ports.map((port) => new Redis(port, '127.0.0.1'));
  return {
    env: { REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodes },
    prefix: `{luna-bench-${id}}`,
    commands: () => count(admins),
    commandStats: () => stats(admins),
    close: async () => (admins.forEach((a) => a.disconnect()), await cluster.stop()),
  };
}

let accountBook: string | undefined;

async function env(
  fakes: Fakes,
  prefix: string,
  role: string,
  config: string,
  redis: Record<string, string>,
): Promise<Record<string, string>> {
  const e = await testEnv({ slack: { url: fakes.slackUrl }, anthropic: { url: fakes.anthropicUrl }, prefix, config });
  if (!MINIMAL) accountBook ??= await writeAccountBook(ACCOUNT_BOOK);
  return {
    ...e,
    ...(accountBook ? { LUNA_ACCOUNTS: accountBook } : {}),
    LUNA_ROLE: role,
    ...redis,
    ...(values['cpu-prof'] ? { BENCH_NODE_ARGS: `--cpu-prof --cpu-prof-dir=${values['cpu-prof']}` } : {}),
  };
}

/** Warm-up (JIT, connections, Bolt's auth.test): mentions on a channel of their own, answered before the measured load. */
async function warmUp(fakes: Fakes, url: string, channel: string, settle: boolean, alsoTo?: string): Promise<void> {
  const warm = await fakes.setup(`${channel}W`, WARMUP, Math.min(MODEL_MS, 200));
  await offerMentions(url, `${channel}W`, warm, RATE, alsoTo);
  if (settle) await fakes.settle(`${channel}W`, warm, 30_000);
}

async function floorRun(fakes: Fakes, channel: string): Promise<FloorRun> {
  const floor = await startLunaProcess(
    await env(fakes, 'bench-floor', 'web', 'persona: luna\n', { REDIS_URL: process.env.REDIS_URL! }),
    'bench/floor.ts',
  );
  try {
    const url = `http://127.0.0.1:${floor.port}/slack/events`;
    await warmUp(fakes, url, channel, false);
    const cpu0 = cpuSecondsOf(floor.pid) ?? NaN;
    const load = await offerMentions(url, channel, await fakes.setup(channel, N, MODEL_MS), RATE);
    return { load, cpuSeconds: (cpuSecondsOf(floor.pid) ?? NaN) - cpu0 };
  } finally {
    await floor.stop();
  }
}

async function lunaRun(fakes: Fakes, mode: Mode, channel: string): Promise<LunaRun> {
  const redis = await redisTarget(mode);
  const procs: LunaProcess[] = [];
  // --beside: a bare Bolt app fed the same events at the same moments, on a machine now busy answering (the
  // floor under load). It costs CPU of its own, so it is off by default.
  const beside = values.beside
    ? await startLunaProcess(
        await env(fakes, 'bench-floor', 'web', 'persona: luna\n', { REDIS_URL: process.env.REDIS_URL! }),
        'bench/floor.ts',
      )
    : undefined;
  try {
    for (const role of MODES[mode].roles)
      procs.push(
        await startLunaProcess(await env(fakes, redis.prefix, role, configFor(mode, channel), redis.env), ENTRY),
      );
    const answering = procs.some((p) => p.role !== 'web');
    const url = `http://127.0.0.1:${procs[0]!.port}/slack/events`;
    const alsoTo = beside ? `http://127.0.0.1:${beside.port}/slack/events` : undefined;
    await warmUp(fakes, url, channel, answering, alsoTo);

    // The measured load: CPU and Redis commands from here to the last answer.
    const pids = procs.flatMap((p) => [
      { role: p.role, pid: p.pid },
      ...descendantsOf(p.pid).map((pid) => ({ role: `${p.role}'s worker child`, pid })),
    ]);
    const cpu0 = pids.map((p) => cpuSecondsOf(p.pid) ?? 0);
    const [fakes0, self0, redis0, stats0] = [
      cpuSecondsOf(fakes.pid) ?? NaN,
      cpuSecondsOf(process.pid) ?? NaN,
      await redis.commands(),
      await redis.commandStats(),
    ];
    const slotWait0 = (await Promise.all(procs.map((p) => scrape(p.port)))).map((t) =>
      Object.fromEntries(
        ['answer', 'background'].map((c) => [c, bucketsOf(t, 'luna_model_slot_wait_seconds', { class: c })]),
      ),
    );
    const tss = await fakes.setup(channel, N, MODEL_MS);
    const load = await offerMentions(url, channel, tss, RATE, alsoTo);
    const escalations = MINIMAL ? 0 : tss.filter((_, i) => i % ESCALATE_EVERY === 0).length;
    const settled = answering ? await fakes.settle(channel, tss, 120_000, escalations) : undefined;
    const redisCommands = (await redis.commands()) - redis0;
    const byCommand = new Map(
      [...(await redis.commandStats())].map(([name, n]) => [name, n - (stats0.get(name) ?? 0)]),
    );
    const benchCpu = {
      fakes: (cpuSecondsOf(fakes.pid) ?? NaN) - fakes0,
      loadGenerator: (cpuSecondsOf(process.pid) ?? NaN) - self0,
    };
    const processes = pids.map((p, i) => ({
      role: p.role,
      peakMb: memoryOf(p.pid)?.peakMb ?? NaN,
      cpuSeconds: (cpuSecondsOf(p.pid) ?? NaN) - cpu0[i]!,
    }));
    const texts = await Promise.all(procs.map((p) => scrape(p.port)));
    const sum = (name: string) => texts.reduce((a, t) => a + metricSum(t, name), 0);
    const firstTokenMs =
      (1000 * sum('luna_model_first_token_seconds_sum')) / sum('luna_model_first_token_seconds_count');
    const web = texts[0]!;
    const insideAck = {
      p50: 1000 * histogramBound(web, 'luna_ack_latency_seconds', 0.5),
      p99: 1000 * histogramBound(web, 'luna_ack_latency_seconds', 0.99),
    };
    // Scraped after the warm-up too: subtract the warm-up's observations from the measured load's.
    const slotWait = (callClass: string) => {
      const now = texts.map((t) => bucketsOf(t, 'luna_model_slot_wait_seconds', { class: callClass }));
      return subtractBuckets(
        sumBuckets(now),
        sumBuckets(slotWait0.map((b) => b[callClass] ?? new Map<number, number>())),
      );
    };
    const waits = { answer: slotWait('answer'), background: slotWait('background') };
    const loopDelay = {
      p99: 1000 * metricSum(web, 'luna_process_nodejs_eventloop_lag_p99_seconds'),
      max: 1000 * metricSum(web, 'luna_process_nodejs_eventloop_lag_max_seconds'),
    };
    return {
      load,
      benchCpu,
      ...(settled ? { settled } : {}),
      processes,
      redisCommands,
      byCommand,
      firstTokenMs,
      insideAck,
      loopDelay,
      waits,
    };
  } finally {
    await Promise.all([...procs, ...(beside ? [beside] : [])].map((p) => p.stop()));
    await redis.close();
  }
}

const ms = (v: number) => v.toFixed(1);
const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');

function report(mode: Mode, floorRun: FloorRun, run: LunaRun, load1: number): string {
  const { load, settled } = run;
  const floor = floorRun.load;
  const stats = (l: OfferedLoad) => ({
    p50: percentile(l.acks, 50),
    p99: percentile(l.acks, 99),
    max: Math.max(...l.acks),
  });
  const [f, l, b] = [stats(floor), stats(load), stats({ ...load, acks: load.beside })];
  const ratio = l.p99 / f.p99;
  const peak = Math.max(...run.processes.map((p) => p.peakMb));
  const rows: Array<[string, string]> = [
    ['mode', `${MODES[mode].title}, from ${ENTRY}`],
    [
      'machine',
      `${cpus().length} CPUs, load average ${load1.toFixed(1)} when the run started (other work on the machine skews every number)`,
    ],
    [
      'offered',
      `${N} mentions at ${RATE}/s, model latency ${MODEL_MS} ms per call; luna.config.yml: ${configSummary(mode)}`,
    ],
    ['ack p50 / p99 / max', `${ms(l.p50)} / ${ms(l.p99)} / ${ms(l.max)} ms (${load.refused} refused)`],
    ['bare Bolt p50 / p99 / max', `${ms(f.p50)} / ${ms(f.p99)} / ${ms(f.max)} ms (the floor, same load)`],
    ['ack p99 / floor p99', `${ratio.toFixed(2)}×`],
    ...(load.beside.length
      ? [
          [
            'bare Bolt beside LUNA',
            `${ms(b.p50)} / ${ms(b.p99)} / ${ms(b.max)} ms (same events at the same moments, while LUNA works: the floor on a busy machine)`,
          ] as [string, string],
        ]
      : []),
    [
      'ack inside LUNA',
      `p50 ≤ ${run.insideAck.p50} ms, p99 ≤ ${run.insideAck.p99} ms (request parsed → job in Redis; luna_ack_latency_seconds buckets)`,
    ],
    [
      'event-loop delay',
      `p99 ${ms(run.loopDelay.p99)} ms, max ${ms(run.loopDelay.max)} ms (${MODES[mode].roles[0] === 'all' ? 'the web half and its worker child merged: p99 averaged, max the larger' : `the ${MODES[mode].roles[0]} process`}, over the measured load)`,
    ],
  ];
  const goals: Array<[string, string]> = [
    [
      'goal: ack p99 ≤ 2× floor, < 50 ms',
      `${mark(ratio <= 2)} (${ratio.toFixed(2)}×), ${mark(l.p99 < 50)} (${ms(l.p99)} ms)`,
    ],
  ];
  if (settled) {
    const wall = settled.lastAnswerAt - load.startedAt;
    const lost = N - settled.answered - settled.duplicated;
    rows.push(
      ['answered once', `${settled.answered} / ${N}`],
      ['lost / duplicated', `${lost} / ${settled.duplicated}`],
      [
        'wall time / ideal',
        `${(wall / 1000).toFixed(2)} s / ${(IDEAL_MS / 1000).toFixed(2)} s (${(wall / IDEAL_MS).toFixed(2)}×; ideal = N/R + model latency)`,
      ],
    );
    goals.push(
      ['goal: wall ≤ 1.2× ideal', `${mark(wall <= 1.2 * IDEAL_MS)} (${(wall / IDEAL_MS).toFixed(2)}×)`],
      ['goal: 0 lost, 0 duplicated', mark(lost === 0 && settled.duplicated === 0 && load.refused === 0)],
    );
  }
  const cpuMs = (1000 * run.processes.reduce((a, p) => a + p.cpuSeconds, 0)) / N;
  rows.push(
    ['peak RSS (VmHWM)', run.processes.map((p) => `${p.role} ${p.peakMb.toFixed(0)} MB`).join(', ')],
    [
      settled ? 'per answer' : 'per mention',
      `${cpuMs.toFixed(1)} ms CPU (every LUNA process), ${(run.redisCommands / N).toFixed(1)} Redis commands${settled ? `, ${(settled.slackCalls / N).toFixed(1)} Slack calls` : ''} (bare Bolt: ${((1000 * floorRun.cpuSeconds) / N).toFixed(1)} ms CPU per ack)`,
    ],
    [
      `Redis ${settled ? 'per answer' : 'per mention'} by command`,
      [...run.byCommand]
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([name, n]) => `${name} ${(n / N).toFixed(1)}`)
        .join(', ') +
        (OWN_REDIS || MODES[mode].cluster
          ? ''
          : ' (shared Redis: other clients count too; --own-redis for LUNA alone)'),
    ],
    [
      'CPU during the run',
      `${run.processes.map((p) => `${p.role} ${p.cpuSeconds.toFixed(1)} s`).join(', ')}; beside them fakes ${run.benchCpu.fakes.toFixed(1)} s, load generator ${run.benchCpu.loadGenerator.toFixed(1)} s (bare Bolt used ${floorRun.cpuSeconds.toFixed(1)} s for its run)`,
    ],
  );
  goals.push(['goal: RSS < 250 MB', `${mark(peak < 250)} (largest process ${peak.toFixed(0)} MB)`]);
  if (settled) {
    const structured = settled.modelCalls.filter((c) => c.structured).length;
    const escalated = settled.escalatedAt
      .map((at, i) => (at ? at - settled.firstAnswerAt[i]! : NaN))
      .filter((d) => !Number.isNaN(d));
    const expected = MINIMAL ? 0 : Math.ceil(N / ESCALATE_EVERY);
    rows.push(
      [
        'model calls',
        `${settled.modelRequests} (at most ${settled.maxModelCallsInFlight} in flight): ${(settled.modelRequests / N).toFixed(2)} per answer (${settled.modelRequests - structured} answers, ${structured} assessments)`,
      ],
      [
        'waited for a model slot',
        `answers ${waitSummary(run.waits.answer)}; assessments ${waitSummary(run.waits.background)}`,
      ],
      ...(expected
        ? [
            [
              'escalations',
              `${escalated.length} / ${expected} reached the escalation channel; after their answer p50 ${ms(percentile(escalated, 50) / 1000)} s, max ${ms(Math.max(...escalated) / 1000)} s`,
            ] as [string, string],
          ]
        : []),
      [
        'prompt cache',
        `${settled.prefixTokens}-token persona prefix; ${(100 * settled.cacheReadShare).toFixed(1)}% of it read from cache on repeat calls (${(100 * settled.cacheReadShareOfInput).toFixed(1)}% of all input tokens)`,
      ],
      [
        'stream: first token / complete',
        `${run.firstTokenMs.toFixed(0)} ms / ~${MODEL_MS} ms for ${settled.answerChars} chars; post-once = 1 Slack call, streaming at 256-char buffers ≈ ${Math.ceil(settled.answerChars / 256) + 2} calls`,
      ],
    );
  }
  const all = [...rows, ...goals];
  const w = Math.max(...all.map(([k]) => k.length));
  return all.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

async function main() {
  const modes = (values.mode === 'both' ? 'all,split' : values.mode).split(',') as Mode[];
  if (!modes.every((m) => m in MODES))
    throw new Error(`--mode takes all, split, web (comma-separated) or both, not "${values.mode}"`);
  if (ENTRY.endsWith('.js')) buildDist(ENTRY);
  const own = OWN_REDIS ? await startRedisServer((port) => ['--port', String(port), '--appendonly', 'yes']) : undefined;
  if (own) process.env.REDIS_URL = `redis://127.0.0.1:${own.port}`;
  await ensureRedis();
  const fakes = await startFakes();
  try {
    for (const [i, mode] of modes.entries()) {
      const load1 = loadavg()[0]!;
      const floor = await floorRun(fakes, `C0FLOOR${i}`);
      const run = await lunaRun(fakes, mode, `C0BENCH${i}`);
      console.log(`${i ? '\n' : ''}${report(mode, floor, run, load1)}`);
    }
  } finally {
    fakes.stop();
    stopOwnRedis();
    await own?.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
