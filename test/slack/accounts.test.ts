import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/log.js';
import { AccountStore } from '../../src/stores/accounts.js';
import type { RequestBody } from '../fakes/anthropic-server.js';
import { inDays, writeAccountBook } from '../helpers/account-book.js';
import {
  queueIdle,
  SIGNING_SECRET,
  startHarness,
  TEST_ESCALATION,
  testConfig,
  type Harness,
} from '../helpers/harness.js';
import { eventEnvelope, signedRequest } from '../helpers/slack-sign.js';
import { addAcmeShared, CSM, SHARED } from '../helpers/acme.js';

/**
 * Answers know the account: in an account's channel the per-request context (after the cached persona
 * prefix) carries its brief; elsewhere it does not. Where the customer reads, the brief informs the draft
 * and the model is told never to quote it.
 */
const INTERNAL = 'C0ACMEINT';

const redis = new Redis(process.env.REDIS_URL!);
let h: Harness;
afterEach(async () => {
  await h?.stop();
});
afterAll(() => redis.disconnect());

async function start(
  more: Record<string, unknown> = {},
  log?: ReturnType<typeof createLogger>,
  acme = { health: 'At risk', escalation: true },
) {
  const book = await writeAccountBook([
    {
      Name: 'Acme Corp',
      'Slack Channels': SHARED,
      Slack_Team_ID: 'T0ACME',
      Owner: CSM,
      ARR: '$120,000',
      Plan: 'Enterprise',
      'Renewal Date': inDays(45),
      Health: acme.health,
      Status: 'active',
      Milestones_Done: '3',
      Milestones_Total: '5',
      Segment: 'Mid-market',
    },
    { Name: 'Broken Row', ARR: 'a lot' },
  ]);
  h = await startHarness({
    config: testConfig({
      escalation: TEST_ESCALATION,
      accounts: { channels: { [INTERNAL]: 'acme corp' } },
      customerChannels: { answers: 'direct', owners: { [SHARED]: [CSM] } },
      model: { streamIdleTimeoutSeconds: 2 },
      ...more,
    }),
    env: { LUNA_ACCOUNTS: book },
    ...(log ? { log } : {}),
  });
  h.slack.addChannel({ id: 'C0ESC', name: 'cs-escalations' });
  h.slack.addUser({ id: CSM, name: 'casey' });
  addAcmeShared(h.slack);
  h.slack.addChannel({ id: INTERNAL, name: 'acme-internal' });
  h.slack.addChannel({ id: 'C0SUPPORT', name: 'support' });
  h.anthropic.defaultReply = {
    handler: (body: RequestBody) =>
      body.output_config
        ? {
            text: JSON.stringify({
              outOfScope: false,
              strategic: false,
              area: 'none',
              confidence: 0.9,
              rationale: 'r',
              customerWants: 'w',
              decisionNeeded: '',
              risk: 'r',
            }),
          }
        : { text: 'Here is a plan for the rollout.' },
  };
  // What LUNA learnt earlier about Acme (the honest seam for time gone by): an escalation and a digest.
  const memory = new AccountStore(redis, h.prefix);
  if (!acme.escalation) return;
  await memory.escalationOpened('t-T0ACME', {
    id: 'C0ACMESHARED-1.1-x',
    area: 'Complex customer negotiations',
    channel: SHARED,
    threadTs: '1700000000.000100',
    openedAt: Date.now() - 2 * 86_400_000,
  });
  await memory.rememberDigest('t-T0ACME', {
    id: 'digest-1',
    at: Date.now() - 86_400_000,
    csat: 3,
    themes: ['SSO setup', 'Billing'],
    risks: [
      {
        title: 'Acme mentions evaluating a competitor before renewal.',
        area: 'Complex customer negotiations',
        confidence: 0.85,
      },
    ],
  });
}

/** The answer request (not the assessment) the model got for the last mention, and its two system blocks. */
function answerRequest() {
  const r = h.anthropic.requests.filter((x) => !x.body.output_config).at(-1)!;
  const system = r.body.system as Array<{ text: string; cache_control?: unknown }>;
  return { cached: system[0]!.text, request: system[1]!.text };
}

async function mentionIn(channel: string, user: string) {
  const event = h.slack.userEvent({ user, channel, text: '<@U0LUNA> how should we plan the SSO rollout?' });
  const res = await signedRequest(h.eventsUrl, eventEnvelope(event, { isExtSharedChannel: channel === SHARED }), {
    signingSecret: SIGNING_SECRET,
  });
  expect(res.status).toBe(200);
  await queueIdle(h);
}

describe('answers know the account', () => {
  it('a draft for the Slack Connect channel carries the brief in its request context, told never to quote it; the cached prefix stays the persona', async () => {
    await start({ customerChannels: { answers: 'draft', owners: { [SHARED]: [CSM] } } });
    await mentionIn(SHARED, CSM);
    const { cached, request } = answerRequest();
    expect(cached).not.toContain('Acme Corp');
    expect(request).toContain('# The account (internal facts)');
    expect(request).toMatch(/This is a draft the team reviews before the customer reads it/);
    expect(request).toMatch(/never quote, mention or hint at any of them: no plan, ARR/);
    expect(request).toContain('- Account: Acme Corp · plan Enterprise · ARR $120,000 · status active');
    expect(request).toMatch(/- Renewal: \d{4}-\d\d-\d\d \(in 45 days\)/);
    expect(request).toContain('- Health: At risk');
    expect(request).toContain('- Account owner: <@U0CSM1>');
    expect(request).toMatch(
      /- Open escalations: 1 — Complex customer negotiations \(opened \d{4}-\d\d-\d\d, not yet acknowledged\)/,
    );
    expect(request).toContain('- Last measured CSAT: no survey responses in the last 90 days');
    expect(request).toMatch(/- Latest feedback digest \(.*\): estimated CSAT 3\/5; themes: SSO setup, Billing/);
    expect(request).toContain('- Latest risks: Acme mentions evaluating a competitor before renewal. (85%)');
    expect(request).toContain('- Success milestones: 3 of 5 done');
    expect(request).toContain('- Other facts (account book): Segment: Mid-market');
    // About 600 tokens at most (LUNA's estimator: 4 characters a token).
    expect(request.slice(request.indexOf('# The account')).length / 4).toBeLessThan(600);
    // The customer reads the thread: nothing of the brief was posted there.
    for (const v of h.slack.postedIn(SHARED))
      expect(v.visibleText).not.toMatch(/120,000|At risk|Enterprise|renewal|escalat/i);
  });

  it('an answer the customer reads directly (answers: direct) is written without a single internal fact: at most a note to take extra care', async () => {
    await start(); // answers: direct
    await mentionIn(SHARED, CSM);
    const { request } = answerRequest();
    expect(request).not.toContain('# The account (internal facts)');
    // Acme's health is "At risk" and an escalation is open: the model hears that care is wanted, not why.
    expect(request).toContain('# The account\n- The account team wants extra care with this customer right now');
    expect(request).not.toMatch(
      /120,000|120000|At risk|Enterprise|Renewal:|in 45 days|U0CSM1|Open escalations|Complex customer negotiations|CSAT 3|competitor|Mid-market|3 of 5/i,
    );
    expect(h.slack.botMessages(SHARED).map((m) => m.text)).toEqual(['Here is a plan for the rollout.']);

    // With nothing of concern on record the request says nothing about the account at all.
    await h.stop();
    await start({ customerChannels: { answers: 'direct', owners: { [SHARED]: [CSM] } } }, undefined, {
      health: 'Healthy',
      escalation: false,
    });
    await mentionIn(SHARED, CSM);
    expect(answerRequest().request).not.toContain('# The account');
  });

  it('in an internal channel mapped by accounts.channels the brief is there (sources named); in other channels there is none', async () => {
    await start();
    await mentionIn(INTERNAL, CSM);
    const internal = answerRequest().request;
    expect(internal).toContain('- Account: Acme Corp · plan Enterprise');
    expect(internal).toContain('name their source');
    expect(internal).not.toContain('never quote');

    await mentionIn('C0SUPPORT', CSM);
    expect(answerRequest().request).not.toContain('# The account');

    const answers = () => h.anthropic.requests.filter((x) => !x.body.output_config).length;
    const before = answers();
    h.slack.addChannel({ id: 'D0CSM1', is_im: true, user: CSM });
    const dm = h.slack.userEvent({ user: CSM, channel: 'D0CSM1', type: 'message', text: 'what about Acme?' });
    await signedRequest(h.eventsUrl, eventEnvelope(dm), { signingSecret: SIGNING_SECRET });
    await queueIdle(h);
    expect(answers()).toBe(before + 1);
    expect(answerRequest().request).toContain('a direct message');
    expect(answerRequest().request).not.toContain('# The account');
  });

  it('a Slack Connect organisation no book lists is an account of its own, with what LUNA knows of it', async () => {
    await start({ customerChannels: { answers: 'draft', owners: { [SHARED]: [CSM] } } });
    h.slack.addSharedChannel({
      id: 'C0GLOBEX',
      name: 'globex-shared',
      externalTeam: { id: 'T0GLOBEX', name: 'Globex', domain: 'globex' },
      members: [CSM],
    });
    await mentionIn('C0GLOBEX', CSM);
    const { request } = answerRequest();
    expect(request).toContain('- Account: Globex\n');
    expect(request).toContain('- Open escalations: none');
    expect(request).not.toContain('Renewal');
  });

  it('a bad row of the account book is logged with its line and column at start-up; the other rows load', async () => {
    const lines: string[] = [];
    await start({}, createLogger('warn', {}, { out: (l) => lines.push(l), err: (l) => lines.push(l) }));
    expect(lines.join('\n')).toMatch(
      /account book row skipped: line 3, column ARR \(E\): \\"a lot\\" is not an amount/,
    );
    expect(h.settings.accountBook!.current().accounts.map((a) => a.name)).toEqual(['Acme Corp']);
  });
});
