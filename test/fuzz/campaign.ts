import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAME } from '../../src/contracts/jobs.js';
import { FakeAnthropic } from '../fakes/anthropic-server.js';
import { FakeSlack } from '../fakes/slack-server.js';
import {
  answersIn,
  clearPrefix,
  SIGNING_SECRET,
  TEST_ESCALATION,
  testConfig,
  testEnv,
  UNLIMITED,
  until,
} from '../helpers/harness.js';
import { startLunaProcess, type LunaProcess } from '../helpers/luna-procs.js';
import { eventEnvelope, signedRequest } from '../helpers/slack-sign.js';
import { fuzzRequests, HOSTILE_LINK, type FuzzRequest } from './generator.js';
import { WORLD, type Seeded } from './surfaces.js';

/**
 * One fuzz campaign: a real LUNA (src/main.ts in its own process, as production runs it, its worker half
 * included) on real Redis against the fake Slack and fake Anthropic, fed `requests` signed requests from the
 * generator. A LUNA that dies is recorded as a crash and started again, so a campaign always finishes.
 */

export interface CampaignOptions {
  seed: number;
  requests: number;
  /** Requests in flight at once. @defaultValue 6 */
  concurrency?: number;
  /** How long the queue may take to run what the requests queued before what is left counts as stuck. @defaultValue 30 s */
  settleMs?: number;
  /** `inline` runs the worker in LUNA's own process (quicker to start); `split` as production. @defaultValue 'split' */
  allMode?: 'split' | 'inline';
  /** Progress lines. */
  progress?: (line: string) => void;
}

export interface Outcome {
  request: FuzzRequest;
  /** HTTP status, or 0 when no response came (the connection died with LUNA). */
  status: number;
  ms: number;
}

export interface CampaignReport {
  seed: number;
  requests: number;
  /** Status → count (`none` for requests that got no response at all). */
  statuses: Record<string, number>;
  p50: number;
  p99: number;
  max: number;
  /** Process deaths: LUNA's own (the web half) and its worker child's, with what was in flight. */
  crashes: Array<{ half: 'web' | 'worker'; inFlight: string[]; why: string }>;
  /** Jobs still waiting or active once the queue had `settleMs` to run them. */
  stuckJobs: number;
  jobCounts: Record<string, number>;
  /** Slack calls or response_url posts whose visible content carries the hostile link as markup. */
  leaks: string[];
  /** Error-level log lines of every LUNA process the campaign ran, by message, and the first line of each. */
  errorLogs: Record<string, number>;
  errorSamples: string[];
  /** A normal mention sent after the campaign: how many answers it got (1 is right). */
  answersAfterwards: number;
  outcomes: Outcome[];
}

const label = (r: FuzzRequest) => `${r.surface}${r.mutations.length ? ` [${r.mutations.join('; ')}]` : ''}`;

export async function runCampaign(o: CampaignOptions): Promise<CampaignReport> {
  const progress = o.progress ?? (() => {});
  const slack = await FakeSlack.start();
  const anthropic = await FakeAnthropic.start();
  const prefix = `luna-fuzz-${randomUUID().slice(0, 8)}`;
  const seeded = seedWorkspace(slack);
  const env = await testEnv({
    slack,
    anthropic,
    prefix,
    config: testConfig({
      escalation: { ...TEST_ESCALATION, channel: WORLD.escalations },
      customerChannels: { owners: { [WORLD.shared]: [WORLD.csm] }, externalMentions: 'draft' },
      signals: { channels: 'all', batchMinutes: 0.05 },
      csat: { enabled: true },
      // Not about limits: the campaign's well-formed mentions come from one member, and the mention sent after
      // it must be answered, not turned away by the 6-a-minute limit (test/slack/limits.test.ts tests that).
      limits: UNLIMITED,
    }),
    env: { LUNA_ALL_MODE: o.allMode ?? 'split', LOG_LEVEL: 'warn' },
  });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection: redis, prefix });
  queue.on('error', () => {});

  const crashes: CampaignReport['crashes'] = [];
  const inFlight = new Set<FuzzRequest>();
  let luna: LunaProcess = await startReady(env);
  const processes = [luna];
  /** Counts LUNA starts; a request refused while LUNA was down waits for the next one and is sent again. */
  let generation = 0;
  let stopping = false;
  let fatal: Error | undefined;
  const watch = (p: LunaProcess) => {
    void p.exited.then(async (code) => {
      if (stopping) return;
      const tail = p.output().split('\n').filter(Boolean).slice(-3).join(' | ').slice(0, 600);
      crashes.push({ half: 'web', inFlight: [...inFlight].map(label), why: `exit ${code}: ${tail}` });
      progress(`LUNA exited (${code}); starting it again`);
      try {
        luna = await startReady(env);
        processes.push(luna);
      } catch (err) {
        fatal = err as Error; // it does not start any more: the campaign ends with this
        return;
      }
      generation++;
      watch(luna);
    });
  };
  watch(luna);
  const workerDeaths = () => (luna.output().match(/the worker process stopped/g) ?? []).length;
  let workerDeathsSeen = 0;

  const requests = fuzzRequests(o.seed, o.requests, seeded);
  const outcomes: Outcome[] = [];
  /** The request's status (0: no response) and how long the attempt that reached LUNA took. */
  const send = async (request: FuzzRequest): Promise<{ status: number; ms: number }> => {
    for (let tries = 0; ; tries++) {
      const seen = generation;
      const started = performance.now();
      try {
        const url = `http://127.0.0.1:${luna.port}/slack/events`;
        const res = await signedRequest(url, request.body, {
          signingSecret: SIGNING_SECRET,
          contentType: request.contentType,
        });
        return { status: res.status, ms: performance.now() - started };
      } catch (err) {
        // Refused: LUNA was not there to receive it (it is restarting). Anything else: it died under this request.
        if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED' || tries >= 2)
          return { status: 0, ms: performance.now() - started };
        const deadline = Date.now() + 60_000;
        while (generation === seen && !fatal && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < requests.length && !fatal) {
      const request = requests[next++]!;
      inFlight.add(request);
      const { status, ms } = await send(request);
      inFlight.delete(request);
      outcomes.push({ request, status, ms });
      const deaths = workerDeaths();
      if (deaths > workerDeathsSeen) {
        workerDeathsSeen = deaths;
        crashes.push({
          half: 'worker',
          inFlight: [label(request)],
          why: 'the supervisor restarted its worker process',
        });
      }
      if (outcomes.length % 200 === 0) progress(`${outcomes.length}/${requests.length} requests`);
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency ?? 6 }, worker));
    if (fatal) throw fatal;

    const stuckJobs = await settle(queue, o.settleMs ?? 30_000);
    const jobCounts = await queue.getJobCounts('waiting', 'active', 'prioritized', 'delayed', 'completed', 'failed');
    const leaks = findLeaks(slack);
    const answersAfterwards = await normalMention(slack, luna.port);
    const errorLogs: Record<string, number> = {};
    const errorSamples: string[] = [];
    for (const line of processes.flatMap((p) => p.output().split('\n'))) {
      if (!line.includes('"level":"error"')) continue;
      let msg = line.slice(0, 80);
      try {
        msg = (JSON.parse(line) as { msg?: string }).msg ?? msg;
      } catch {
        // not one of LUNA's JSON lines (a crash's stack trace): counted as it is
      }
      errorLogs[msg] = (errorLogs[msg] ?? 0) + 1;
      if (errorLogs[msg] === 1) errorSamples.push(line.slice(0, 1_000));
    }
    const timed = outcomes.filter((x) => x.status !== 0).map((x) => x.ms);
    const statuses: Record<string, number> = {};
    for (const x of outcomes) {
      const key = x.status === 0 ? 'none' : String(x.status);
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
    return {
      seed: o.seed,
      requests: outcomes.length,
      statuses,
      p50: percentile(timed, 50),
      p99: percentile(timed, 99),
      max: Math.max(0, ...timed),
      crashes,
      stuckJobs,
      jobCounts,
      leaks,
      errorLogs,
      errorSamples,
      answersAfterwards,
      outcomes,
    };
  } finally {
    stopping = true; // no restart from here on
    await luna.stop();
    await queue.close();
    redis.disconnect();
    await clearPrefix(prefix);
    await slack.close();
    await anthropic.close();
  }
}

/** A LUNA process that serves, its worker half included (/readyz 200): requests and jobs are measured, not start-up. */
async function startReady(env: Record<string, string>): Promise<LunaProcess> {
  const p = await startLunaProcess(env);
  await until(
    async () => (await fetch(`http://127.0.0.1:${p.port}/readyz`)).status === 200,
    'LUNA ready, its worker process included',
    60_000,
  );
  return p;
}

/** The channels, people and messages the generator's requests are about. */
function seedWorkspace(slack: FakeSlack): Seeded {
  slack.addUser({ id: WORLD.member, name: 'alice' });
  slack.addUser({ id: WORLD.csm, name: 'casey' });
  slack.addChannel({ id: WORLD.internal, name: 'support', members: [WORLD.member, WORLD.csm] });
  slack.addChannel({ id: WORLD.escalations, name: 'cs-escalations', members: [WORLD.csm] });
  slack.addChannel({ id: WORLD.dm, is_im: true, user: WORLD.member });
  slack.addChannel({ id: WORLD.csmDm, is_im: true, user: WORLD.csm });
  slack.addSharedChannel({
    id: WORLD.shared,
    name: 'acme-shared',
    externalTeam: { id: WORLD.customerTeam, name: 'Acme Corp', domain: 'acme' },
    members: [WORLD.csm],
    externalMembers: [{ id: WORLD.customer, name: 'dana' }],
  });
  const threads: Seeded['threads'] = {};
  const reserved: Seeded['reserved'] = {};
  const authors = {
    [WORLD.internal]: WORLD.member,
    [WORLD.escalations]: WORLD.csm,
    [WORLD.dm]: WORLD.member,
    [WORLD.csmDm]: WORLD.bot,
    [WORLD.shared]: WORLD.customer,
  };
  const messages = (channel: string, user: string, n: number) =>
    Array.from({ length: n }, (_, i) =>
      slack.addMessage(channel, { user, text: `message ${i}: the export is slow <@${WORLD.bot}>` }),
    );
  for (const [channel, user] of Object.entries(authors)) {
    threads[channel] = messages(channel, user, 8);
    reserved[channel] = messages(channel, user, 8);
  }
  return { threads, reserved, responseUrl: slack.responseUrl() };
}

/** Waits for the queue to run what it holds; returns how many jobs are still waiting or active after `ms`. */
async function settle(queue: Queue, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let left = 0;
  do {
    const c = await queue.getJobCounts('waiting', 'active', 'prioritized');
    left = (c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0);
    if (left === 0) return 0;
    await new Promise((r) => setTimeout(r, 250));
  } while (Date.now() < deadline);
  return left;
}

/** Where LUNA puts what people read; ids (`channel`, `ts`, `user`…) are addresses, not content. */
const ADDRESS_KEYS = new Set([
  'channel',
  'channel_id',
  'thread_ts',
  'ts',
  'timestamp',
  'user',
  'user_id',
  'users',
  'name',
  'token',
]);

function findLeaks(slack: FakeSlack): string[] {
  const markup = HOSTILE_LINK.slice(0, HOSTILE_LINK.indexOf('|'));
  const leaks: string[] = [];
  for (const call of slack.calls) {
    const content = JSON.stringify(call.args, (k, v: unknown) => (ADDRESS_KEYS.has(k) ? undefined : v));
    if (content?.includes(markup))
      leaks.push(
        `${call.method}: ${content.slice(Math.max(0, content.indexOf(markup) - 80), content.indexOf(markup) + 60)}`,
      );
  }
  for (const post of slack.responseUrlPosts) {
    const content = JSON.stringify(post.body);
    if (content.includes(markup)) leaks.push(`response_url: ${content.slice(0, 160)}`);
  }
  return leaks;
}

/** A mention as Slack sends it after all that: it must be answered, once. */
async function normalMention(slack: FakeSlack, port: number): Promise<number> {
  const text = `<@${WORLD.bot}> after all that, what is a good onboarding checklist?`;
  const ts = slack.addMessage(WORLD.internal, { user: WORLD.member, text });
  const res = await signedRequest(
    `http://127.0.0.1:${port}/slack/events`,
    eventEnvelope({ type: 'app_mention', user: WORLD.member, text, ts, channel: WORLD.internal }),
    { signingSecret: SIGNING_SECRET },
  );
  if (res.status !== 200) return 0;
  const deadline = Date.now() + 20_000;
  while (answersIn(slack, WORLD.internal, ts).length === 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1_000)); // a second answer would have come by now
  return answersIn(slack, WORLD.internal, ts).length;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** The report as lines for a terminal: the figures, then what failed, grouped by surface. */
export function formatReport(r: CampaignReport): string {
  const lines = [
    `seed ${r.seed} (LUNA_FUZZ_SEED=${r.seed} replays it)`,
    `requests ${r.requests}`,
    `statuses ${Object.entries(r.statuses)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ')}`,
    `latency p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, max ${r.max.toFixed(0)} ms`,
    `crashes ${r.crashes.length} (web ${r.crashes.filter((c) => c.half === 'web').length}, worker ${r.crashes.filter((c) => c.half === 'worker').length})`,
    `stuck jobs ${r.stuckJobs} (${Object.entries(r.jobCounts)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ')})`,
    `markup leaks ${r.leaks.length}`,
    `error log lines ${Object.values(r.errorLogs).reduce((a, b) => a + b, 0)}${
      Object.keys(r.errorLogs).length
        ? ` (${Object.entries(r.errorLogs)
            .map(([m, n]) => `${n}× ${m.slice(0, 80)}`)
            .join('; ')})`
        : ''
    }`,
    `a normal mention afterwards: answered ${r.answersAfterwards} time(s)`,
  ];
  const bad = r.outcomes.filter((x) => x.status === 0 || x.status >= 500 || x.ms >= 1_000);
  const bySurface = new Map<string, string[]>();
  for (const x of bad) {
    const key = `${x.status === 0 ? 'no response' : x.status} ${x.request.surface}`;
    bySurface.set(key, [
      ...(bySurface.get(key) ?? []),
      `${x.request.mutations.join('; ') || 'unmutated'} (${x.ms.toFixed(0)} ms)`,
    ]);
  }
  if (bySurface.size) lines.push('', 'no response, 5xx, or ≥ 1 s:');
  for (const [key, list] of [...bySurface].sort(([, a], [, b]) => b.length - a.length)) {
    lines.push(`  ${key}: ${list.length}`, ...list.slice(0, 4).map((m) => `      ${m.slice(0, 140)}`));
  }
  for (const c of r.crashes.slice(0, 5))
    lines.push(
      `crash (${c.half}): ${c.why.slice(0, 300)}`,
      ...c.inFlight.slice(0, 3).map((f) => `      in flight: ${f.slice(0, 140)}`),
    );
  for (const l of r.leaks.slice(0, 5)) lines.push(`leak: ${l}`);
  for (const e of r.errorSamples.slice(0, 5)) lines.push(`error log: ${e}`);
  return lines.join('\n');
}
