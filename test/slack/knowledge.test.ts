import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KnowledgeStore } from '../../src/stores/knowledge.js';
import type { RequestBody } from '../fakes/anthropic-server.js';
import { writeAccountBook } from '../helpers/account-book.js';
import {
  answersIn,
  queueIdle,
  SIGNING_SECRET,
  startHarness,
  testConfig,
  until,
  type Harness,
} from '../helpers/harness.js';
import { eventEnvelope, signedRequest } from '../helpers/slack-sign.js';
import { addAcmeShared, CSM, CUSTOMER as DANA, SHARED as ACME_SHARED } from '../helpers/acme.js';

/**
 * Knowledge over the wire: documents in a folder (Markdown, HTML, text) are indexed in Redis, retrieved for a
 * question, sent to the fake Anthropic API as `search_result` blocks (which it checks as the real API does), cited
 * back, and written at the answer's end as links. Where a customer reads, an answer without a source is not posted.
 */
const GLOBEX_SHARED = 'C0GLOBEXSHARED';
const GLOBEX = { id: 'T0GLOBEX', name: 'Globex', domain: 'globex' };
const GINA = 'U0GLOBEXGINA';

const redis = new Redis(process.env.REDIS_URL!);
afterAll(() => redis.disconnect());
let h: Harness;
let dir: string;
afterEach(async () => {
  await h?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const DOCS: Record<string, string> = {
  'exports.md':
    '---\ntitle: Exporting data\nurl: https://help.example.com/exports\n---\n# Exporting data\n\n## Row limits\n\nEach export file holds at most 1,000,000 rows; larger exports are split into several files.\n',
  'saml.html':
    '<html><head><title>SAML single sign-on</title></head><body><nav>Home | Docs</nav><h1>SAML single sign-on</h1><p>To set up SAML, open Settings, then Security, and paste your identity provider metadata URL.</p><footer>© Example</footer></body></html>',
  'billing.txt':
    'Billing contact\n\nThe billing contact is changed under Settings, then Billing, by an account admin.\n',
};

async function start(o: { customerChannels?: Record<string, unknown>; requests?: Record<string, unknown> } = {}) {
  dir = await mkdtemp(path.join(tmpdir(), 'luna-knowledge-'));
  await Promise.all(Object.entries(DOCS).map(([name, text]) => writeFile(path.join(dir, name), text)));
  const book = await writeAccountBook([
    { name: 'Acme Corp', slack_channels: ACME_SHARED, slack_team_id: 'T0ACME', owner: CSM, plan: 'Enterprise' },
    { name: 'Globex', slack_channels: GLOBEX_SHARED, slack_team_id: 'T0GLOBEX', owner: CSM, plan: 'Pro' },
  ]);
  h = await startHarness({
    config: testConfig({
      knowledge: { sources: [{ path: dir, url: 'https://help.example.com' }] },
      customerChannels: { owners: { [ACME_SHARED]: [CSM], [GLOBEX_SHARED]: [CSM] }, ...o.customerChannels },
      signals: { channels: 'none' },
      ...(o.requests ? { requests: o.requests } : {}),
    }),
    env: { LUNA_ACCOUNTS: book },
  });
  h.slack.addUser({ id: CSM, name: 'casey' });
  addAcmeShared(h.slack);
  h.slack.addSharedChannel({
    id: GLOBEX_SHARED,
    name: 'globex-shared',
    externalTeam: GLOBEX,
    members: [CSM],
    externalMembers: [{ id: GINA, name: 'gina' }],
  });
}

/** The search results a model request carried: each one's source and text. */
function searchResults(body: RequestBody): Array<{ source: string; title: string; text: string }> {
  return body.messages.flatMap((m) =>
    Array.isArray(m.content)
      ? (m.content as Array<{ type: string; source?: string; title?: string; content?: Array<{ text: string }> }>)
          .filter((b) => b.type === 'search_result')
          .map((b) => ({ source: b.source!, title: b.title!, text: (b.content ?? []).map((c) => c.text).join('\n') }))
      : [],
  );
}
const answerRequests = () => h.anthropic.requests.filter((r) => !r.body.output_config);
const asking = (words: string) => answerRequests().find((r) => JSON.stringify(r.body.messages).includes(words));

async function say(channel: string, user: string, text: string, threadTs?: string) {
  // A mention arrives as app_mention; any other message as message.channels.
  const type = text.includes('<@U0LUNA>') ? 'app_mention' : 'message';
  const event = h.slack.userEvent({ type, user, channel, text, ...(threadTs ? { threadTs } : {}) });
  const res = await signedRequest(h.eventsUrl, eventEnvelope(event, { isExtSharedChannel: true }), {
    signingSecret: SIGNING_SECRET,
  });
  expect(res.status).toBe(200);
  return event.ts;
}

describe('knowledge', () => {
  it('a Markdown, an HTML and a text document each answer their question with the right passage and a link', async () => {
    await start();
    const cases = [
      {
        q: 'what is the row limit per export file?',
        source: 'https://help.example.com/exports',
        passage: '1,000,000 rows',
        link: '<https://help.example.com/exports|Exporting data>',
      },
      {
        q: 'how do I set up SAML?',
        source: 'https://help.example.com/saml',
        passage: 'identity provider metadata',
        link: '<https://help.example.com/saml|SAML single sign-on>',
      },
      {
        q: 'who can change the billing contact?',
        source: 'https://help.example.com/billing',
        passage: 'account admin',
        link: '<https://help.example.com/billing|',
      },
    ];
    for (const c of cases) {
      const m = await h.mention({ text: `<@U0LUNA> ${c.q}` });
      await queueIdle(h);
      const results = searchResults(asking(c.q)!.body);
      expect(results[0]?.source).toBe(c.source);
      expect(results[0]?.text).toContain(c.passage);
      // The HTML page's navigation and footer are not part of any passage.
      expect(results.map((r) => r.text).join(' ')).not.toMatch(/Home \| Docs|© Example/);
      const answer = answersIn(h.slack, 'C0SUPPORT', m.ts)
        .map((a) => a.text)
        .join('\n');
      expect(answer).toContain('*Sources*\n[1] ' + c.link);
    }
    // The model was told to answer from the passages (after the cached persona prefix).
    expect(JSON.stringify(asking(cases[0]!.q)!.body.system)).toContain('search results in this message');
  });

  // PRODUCT.md: a file added while LUNA runs is found within a minute (the watcher, then the shared index in Redis).
  it('a file added while LUNA runs is found for the next question', { timeout: 75_000 }, async () => {
    await start();
    await writeFile(
      path.join(dir, 'webhooks.md'),
      '---\ntitle: Webhooks\n---\n# Webhooks\n\nWebhook deliveries are retried five times over one hour.\n',
    );
    const index = new KnowledgeStore(redis, h.prefix);
    await until(
      async () => [...(await index.docRecords()).keys()].some((id) => id.endsWith('webhooks.md')),
      'the new article in the index',
      60_000,
    );
    const q = 'how often are webhook deliveries retried?';
    const m = await h.mention({ text: `<@U0LUNA> ${q}` });
    await queueIdle(h);
    expect(searchResults(asking(q)!.body)[0]?.text).toContain('retried five times');
    expect(
      answersIn(h.slack, 'C0SUPPORT', m.ts)
        .map((a) => a.text)
        .join('\n'),
    ).toContain('<https://help.example.com/webhooks|Webhooks>');
  });

  it('a customer question no source answers gets no model-written reply where the customer reads: a holding reply, and a draft for the owners', async () => {
    await start({ customerChannels: { answers: 'direct', externalMentions: 'answer' } });
    // The model answers without citing anything (it found nothing that fits).
    h.anthropic.defaultReply = {
      handler: (body: RequestBody) =>
        body.output_config ? { text: '{}' } : { text: 'Our API allows 42 requests a second.' },
    };
    const ts = await say(ACME_SHARED, DANA, '<@U0LUNA> what is the API rate limit?');
    await queueIdle(h);
    const shared = h.slack.botMessages(ACME_SHARED, ts).map((m) => m.text);
    expect(shared).toEqual(["Thanks, I've passed this to your account team; someone will reply here."]);
    const draft = h.slack.dmsTo(CSM).find((m) => JSON.stringify(m.blocks ?? []).includes('found no source'));
    expect(JSON.stringify(draft?.blocks)).toContain('42 requests a second');
    // With a source, the same channel gets the answer and its link.
    h.anthropic.defaultReply = {
      handler: (body: RequestBody) =>
        body.output_config ? { text: '{}' } : { text: 'Each file holds 1,000,000 rows.', cite: [0] },
    };
    const ts2 = await say(ACME_SHARED, DANA, '<@U0LUNA> what is the row limit per export file?');
    await queueIdle(h);
    expect(
      h.slack
        .botMessages(ACME_SHARED, ts2)
        .map((m) => m.text)
        .join('\n'),
    ).toContain('<https://help.example.com/exports|Exporting data>');
  });

  it('a resolved request of one account is knowledge for that account and internally, never in another customer’s prompt', async () => {
    await start({
      customerChannels: { answers: 'direct', externalMentions: 'answer' },
      requests: { channels: [ACME_SHARED, GLOBEX_SHARED], triageChannel: 'C0TRIAGE', detection: 'every' },
    });
    h.slack.addChannel({ id: 'C0TRIAGE', name: 'cs-triage' });
    const asked = await say(
      ACME_SHARED,
      DANA,
      'Our nightly sync to Snowflake stopped after the upgrade, why?',
      undefined,
    );
    await queueIdle(h);
    await say(
      ACME_SHARED,
      CSM,
      'The upgrade rotated the Snowflake key: re-enter it under Settings, Integrations, Snowflake.',
      asked,
    );
    await queueIdle(h);
    // Resolved with the resolved reaction, as the team does.
    const reaction = {
      type: 'reaction_added',
      user: CSM,
      reaction: 'white_check_mark',
      item: { type: 'message', channel: ACME_SHARED, ts: asked },
      event_ts: (Date.now() / 1000).toFixed(6),
    };
    expect(
      (
        await signedRequest(h.eventsUrl, eventEnvelope(reaction, { isExtSharedChannel: true }), {
          signingSecret: SIGNING_SECRET,
        })
      ).status,
    ).toBe(200);
    await queueIdle(h);
    const q = 'the Snowflake sync stopped after the upgrade';
    const fromRequests = (body: RequestBody) =>
      searchResults(body).filter((r) => r.text.includes('re-enter it under Settings'));
    await until(
      async () => {
        const m = await h.mention({ text: `<@U0LUNA> ${q}, what do we tell them?` });
        await queueIdle(h);
        return (
          fromRequests(asking(`${q}, what do we tell them?`)!.body).length > 0 &&
          answersIn(h.slack, 'C0SUPPORT', m.ts).length > 0
        );
      },
      'the resolved request in an internal answer',
      20_000,
    );
    // Acme's own channel may use it…
    await say(ACME_SHARED, DANA, `<@U0LUNA> ${q} again, what now?`);
    await queueIdle(h);
    expect(fromRequests(asking(`${q} again, what now?`)!.body)).toHaveLength(1);
    // …Globex's may not: not in its prompt, not in its channel.
    await say(GLOBEX_SHARED, GINA, `<@U0LUNA> ${q} for us too, any idea?`);
    await queueIdle(h);
    expect(fromRequests(asking(`${q} for us too, any idea?`)!.body)).toEqual([]);
    expect(JSON.stringify(h.slack.messages(GLOBEX_SHARED))).not.toContain('re-enter it under Settings');
  });
});
