import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsError } from '../../src/infra/errors.js';
import { BASE_ENV, problemsOf, withConfig } from '../helpers/config.js';

const PERSONAS = path.resolve('personas');

const VALID = `
persona: luna
escalation:
  channel: C0ESCALATIONS
  owners:
    - area: Strategic customer relationship decisions
      notify: [U0123ABCD]
    - area: complex customer negotiations
      notify: [U0456EFGH]
    - area: Executive customer relationships
      notify: [S0EXECTEAM]
  fallback: [U0CSLEAD]
  acknowledgeWithinMinutes: 30
handles:
  sales: S0SALES
  marketing: S0MARKETING
digests:
  - channel: C0FEEDBACK
    schedule: "0 9 * * MON"
    timezone: Europe/Berlin
    postTo: C0CSLEADS
`;

describe('loadSettings', () => {
  it('accepts the PRODUCT.md example config and fills defaults', async () => {
    const s = await withConfig(VALID);
    expect(s.persona.id).toBe('luna');
    expect(s.workspace.escalation?.owners).toHaveLength(3);
    expect(s.workspace.handles.sales).toBe('S0SALES');
    expect(s.redis).toEqual({ target: { kind: 'single', url: 'redis://127.0.0.1:6379' }, explicit: false });
    expect(s.env.PORT).toBe(3000);
    expect(s.env.LUNA_ROLE).toBe('all');
    expect(s.workspace.queue.attempts).toBeGreaterThan(1);
    expect(s.socketMode).toBe(false);
  });

  it('runs with defaults when the optional default config file is absent', async () => {
    const s = await withConfig(undefined);
    expect(s.configPath).toBeUndefined();
    expect(s.workspace.persona).toBe('luna');
  });

  it('names every missing variable at once', async () => {
    const problems = await problemsOf(withConfig(undefined, { LUNA_PERSONAS_DIR: PERSONAS }));
    expect(problems.some((p) => p.startsWith('SLACK_BOT_TOKEN: is required'))).toBe(true);
    expect(problems.some((p) => p.startsWith('SLACK_SIGNING_SECRET: is required'))).toBe(true);
    expect(problems.some((p) => p.startsWith('ANTHROPIC_API_KEY: is required'))).toBe(true);
  });

  it('needs no signing secret in Socket Mode and no Anthropic key for a web-only process', async () => {
    await expect(
      withConfig(undefined, { ...BASE_ENV, SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: 'xapp-1' }),
    ).resolves.toMatchObject({
      socketMode: true,
    });
    await expect(
      withConfig(undefined, { ...BASE_ENV, ANTHROPIC_API_KEY: undefined, LUNA_ROLE: 'web' }),
    ).resolves.toBeDefined();
  });

  it('rejects malformed variables with what was expected', async () => {
    const problems = await problemsOf(
      withConfig(undefined, {
        ...BASE_ENV,
        SLACK_BOT_TOKEN: 'xoxp-user',
        REDIS_URL: 'http://x',
        LUNA_ROLE: 'boss',
        PORT: 'eighty',
      }),
    );
    expect(problems.find((p) => p.startsWith('SLACK_BOT_TOKEN'))).toMatch(/xoxb-/);
    expect(problems.find((p) => p.startsWith('REDIS_URL'))).toMatch(/redis:\/\//);
    expect(problems.find((p) => p.startsWith('LUNA_ROLE'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('PORT'))).toBeDefined();
  });

  it('REDIS_CLUSTER_NODES: a cluster client with TLS from rediss:// entries, and a prefix without a hash tag is an error naming the fix', async () => {
    const tls = await withConfig(undefined, {
      ...BASE_ENV,
      REDIS_CLUSTER_NODES: 'rediss://:pw@10.0.0.1:6380, rediss://:pw@10.0.0.2:6380',
    });
    expect(tls.redis).toEqual({
      target: {
        kind: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 6380 },
          { host: '10.0.0.2', port: 6380 },
        ],
        tls: true,
        password: 'pw',
        username: undefined,
      },
      explicit: true,
    });
    expect(tls.env.LUNA_REDIS_PREFIX).toBe('{luna}'); // unset on a cluster: the hash-tagged default
    const plain = await withConfig(undefined, {
      ...BASE_ENV,
      REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001',
      LUNA_REDIS_PREFIX: 'acme{luna}',
    });
    expect(plain.redis.target).toMatchObject({ kind: 'cluster', tls: false });

    const noTag = await problemsOf(
      withConfig(undefined, { ...BASE_ENV, REDIS_CLUSTER_NODES: '127.0.0.1:7000', LUNA_REDIS_PREFIX: 'luna' }),
    );
    expect(noTag).toEqual([expect.stringMatching(/^LUNA_REDIS_PREFIX: .*"luna" has no \{hash tag\}/)]);
    const fix = await withConfig(undefined, {
      ...BASE_ENV,
      REDIS_CLUSTER_NODES: '127.0.0.1:7000',
      LUNA_REDIS_PREFIX: '{}luna',
    }).catch((e: SettingsError) => e.problems[0]!.fix);
    expect(fix).toMatch(/LUNA_REDIS_PREFIX=\{luna\}/);
    // The same prefix is fine on a single Redis.
    await expect(withConfig(undefined, { ...BASE_ENV, LUNA_REDIS_PREFIX: 'luna' })).resolves.toBeDefined();

    expect(
      await problemsOf(
        withConfig(undefined, { ...BASE_ENV, REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_URL: 'redis://x:6379' }),
      ),
    ).toEqual([expect.stringMatching(/^REDIS_CLUSTER_NODES: .*together with REDIS_URL/)]);
    expect(
      await problemsOf(withConfig(undefined, { ...BASE_ENV, REDIS_CLUSTER_NODES: 'redis://a:1,rediss://b:2' })),
    ).toEqual([expect.stringMatching(/mixes redis:\/\/ and rediss:\/\//)]);
    expect(await problemsOf(withConfig(undefined, { ...BASE_ENV, REDIS_CLUSTER_NODES: 'just-a-host' }))).toEqual([
      expect.stringMatching(/not host:port/),
    ]);
  });

  it('reports broken YAML with its line', async () => {
    const problems = await problemsOf(withConfig('persona: luna\nescalation:\n  channel: [C1\n'));
    expect(problems[0]).toMatch(/luna\.config\.yml:\d+: is not valid YAML/);
  });

  it('lists every bad field, unknown keys and malformed Slack IDs with their path', async () => {
    const problems = await problemsOf(
      withConfig(`
escalation:
  channel: general
  owners:
    - area: Complex customer negotiations
      notify: [bob]
handles:
  sales: sales-team
digests:
  - channel: C0FEEDBACK
    schedule: "every monday"
    timezone: Mars/Olympus
    postTo: C0CSLEADS
colour: blue
`),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/escalation\.channel: must be a Slack channel ID/),
        expect.stringMatching(/escalation\.owners\[0\]\.notify\[0\]: must be a Slack user ID/),
        expect.stringMatching(/handles\.sales: must be a Slack user ID/),
        expect.stringMatching(/digests\[0\]\.schedule: must be a cron expression/),
        expect.stringMatching(/digests\[0\]\.timezone: must be an IANA time zone/),
        expect.stringMatching(/unknown field colour/),
      ]),
    );
  });

  it('customerChannels: defaults as PRODUCT.md says, and a bad value names its field and the allowed values', async () => {
    const ok = await withConfig('persona: luna\n');
    expect(ok.workspace.customerChannels).toEqual({
      answers: 'draft',
      externalMentions: 'draft',
      owners: {},
      channels: {},
    });
    const problems = await problemsOf(
      withConfig(
        'customerChannels:\n  answers: sometimes\n  externalMentions: shout\n  owners:\n    C0ACME: [bob]\n  channels:\n    C0GUESTS: partner\n',
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/customerChannels\.answers: .*"draft".*"direct"/),
        expect.stringMatching(/customerChannels\.externalMentions: .*"draft".*"answer".*"ignore"/),
        expect.stringMatching(/customerChannels\.owners\.C0ACME\[0\]: must be a Slack user ID/),
        expect.stringMatching(/customerChannels\.channels\.C0GUESTS: .*"customer".*"internal"/),
      ]),
    );
  });

  it('rejects an owners area the persona does not list, naming the valid areas', async () => {
    const problems = await problemsOf(
      withConfig(`
escalation:
  channel: C0ESC
  owners:
    - area: Pricing exceptions
      notify: [U0123ABCD]
`),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/escalation\.owners\[0\]\.area: "Pricing exceptions" is not a human-handled area/);
  });

  it('names an unknown persona and the ones available', async () => {
    const err = await withConfig('persona: nobody\n').catch((e: SettingsError) => e);
    expect(err).toBeInstanceOf(SettingsError);
    const p = (err as SettingsError).problems[0]!;
    expect(p.where).toMatch(/persona$/);
    expect(p.fix).toMatch(/luna/);
  });

  it('fails when an explicitly named config file is missing', async () => {
    const problems = await problemsOf(withConfig(undefined, { ...BASE_ENV, LUNA_CONFIG: '/nonexistent/luna.yml' }));
    expect(problems[0]).toMatch(/^LUNA_CONFIG: cannot read/);
  });

  it('accounts, signals and csat: PRODUCT.md’s example sections load, and their defaults are PRODUCT.md’s', async () => {
    const defaults = await withConfig(undefined);
    expect(defaults.workspace.accounts).toEqual({ channels: {} });
    expect(defaults.workspace.signals).toEqual({
      channels: 'none',
      model: 'haiku',
      batchMinutes: 10,
      batchMessages: 50,
      threshold: 0.7,
      dailyTokenBudget: 2_000_000,
    });
    expect(defaults.workspace.csat).toEqual({
      enabled: false,
      resolvedReaction: 'white_check_mark',
      question: 'How did we do on this one?',
    });
    const s = await withConfig(`
accounts:
  channels:
    C0ACMEINTERNAL: Acme Corp
signals:
  channels: all
  model: haiku
  batchMinutes: 10
  batchMessages: 50
  threshold: 0.7
  dailyTokenBudget: 2000000
csat:
  enabled: true
  resolvedReaction: ":white_check_mark:"
  question: "How did we do on this one?"
`);
    expect(s.workspace.accounts.channels).toEqual({ C0ACMEINTERNAL: 'Acme Corp' });
    expect(s.workspace.signals.channels).toBe('all');
    expect(s.workspace.csat).toMatchObject({ enabled: true, resolvedReaction: 'white_check_mark' });
    expect((await withConfig('signals:\n  channels: [C0ONE, G0TWO]\n')).workspace.signals.channels).toEqual([
      'C0ONE',
      'G0TWO',
    ]);
  });

  it('a bad value in accounts, signals or csat names the field and what it may be', async () => {
    const problems = await problemsOf(
      withConfig(`
accounts:
  channels:
    acme-internal: Acme Corp
signals:
  channels: some
  model: GPT-5 mini
  threshold: 1.5
  batchMessages: 0
  batchSize: 10
csat:
  enabled: "yes"
  resolvedReaction: "white check mark"
`),
    );
    const text = problems.join('\n');
    expect(text).toMatch(/accounts\.channels\.acme-internal: .*channel ID/);
    expect(text).toMatch(/signals\.channels: must be all, none, or a list of channel IDs/);
    expect(text).toMatch(/signals\.model: must be haiku, sonnet, opus or a Claude model id/);
    expect(text).toMatch(/signals\.threshold: .*<=1/);
    expect(text).toMatch(/signals\.batchMessages: .*>=1/);
    expect(text).toMatch(/signals: unknown field batchSize/);
    expect(text).toMatch(/csat\.enabled: .*boolean/);
    expect(text).toMatch(/csat\.resolvedReaction: must be an emoji name such as white_check_mark/);
  });

  it('limits: PRODUCT.md’s defaults, and a bad value names its field', async () => {
    expect((await withConfig(undefined)).workspace.limits).toEqual({
      mentionsPerPersonPerMinute: 6,
      mentionsPerPersonPerDay: 200,
      organisationDailyTokens: 1_000_000,
    });
    const text = (
      await problemsOf(
        withConfig(`
limits:
  mentionsPerPersonPerMinute: 2.5
  mentionsPerPersonPerDay: 0
  organisationDailyTokens: lots
  tokensPerPerson: 10
`),
      )
    ).join('\n');
    expect(text).toMatch(/limits\.mentionsPerPersonPerMinute: must be a whole number/);
    expect(text).toMatch(/limits\.mentionsPerPersonPerDay: .*>=1/);
    expect(text).toMatch(/limits\.organisationDailyTokens: .*number/);
    expect(text).toMatch(/limits: unknown field tokensPerPerson/);
    expect(
      await problemsOf(withConfig('limits:\n  mentionsPerPersonPerMinute: 50\n  mentionsPerPersonPerDay: 20\n')),
    ).toEqual([
      'luna.config.yml: limits.mentionsPerPersonPerMinute: mentionsPerPersonPerMinute cannot be more than mentionsPerPersonPerDay',
    ]);
  });
});
