import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestsSchema } from '../../src/config/requests.js';
import { requestFigures, yourRequests } from '../../src/domain/request-figures.js';
import type { RequestRecord } from '../../src/domain/requests.js';
import { markFired, slaPolicy } from '../../src/domain/request-sla.js';
import { assign, openRequest, resolve, respond, withdraw } from '../../src/domain/request-lifecycle.js';
import {
  breachReply,
  parseRequestActionValue,
  REQUEST_ACTIONS,
  REQUEST_REFUSAL,
  requestActionValue,
  requestCard,
  unassignedNotice,
  warningMessage,
} from '../../src/render/request-blocks.js';
import { requestTeamBlocks, yourRequestsBlocks } from '../../src/render/request-home-blocks.js';
import { FakeSlack } from '../fakes/slack-server.js';
import { flattenText } from '../fakes/slack-text.js';

/** The triage card and its companions, posted and updated through the real WebClient into the fake Slack, which validates blocks like Slack. */

let slack: FakeSlack;
let client: WebClient;
beforeAll(async () => {
  slack = await FakeSlack.start();
  client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  slack.addChannel({ id: 'C0TRIAGE' });
});
afterAll(() => slack.close());

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 2, 9, 0);
const P = slaPolicy(RequestsSchema.parse({}));
const TARGETS = { firstResponse: '4h', resolution: '3d' };
const PERMALINK = 'https://acme.slack.com/archives/C0ACME/p1762074000000100';

function request(
  text = 'Our CSV export fails <!channel> since <@U0CSM1|anna> changed <https://evil.example|the settings> & more',
): RequestRecord {
  return {
    ...openRequest(
      {
        channel: 'C0ACME',
        messageTs: '1762074000.000100',
        askerId: 'U0CUSTOMER',
        text,
        at: T0,
        via: 'ai',
        account: { id: 't-T0ACME', name: 'Acme <Corp>' },
      },
      P,
    ),
    permalink: PERMALINK,
  };
}

const sec = (ms: number) => String(Math.floor(ms / 1000));
type Block = {
  type: string;
  block_id?: string;
  elements?: Array<Record<string, unknown>>;
  text?: { text: string; verbatim?: boolean };
  fields?: Array<{ text: string }>;
};

describe('the triage card', () => {
  it('shows account, asker, the words made inert, priority, assignee, status, due times as date tokens and the thread link; Slack takes it', async () => {
    const r = request();
    const card = requestCard({ record: r, targets: TARGETS });
    const posted = await client.chat.postMessage({ channel: 'C0TRIAGE', ...card });
    expect(posted.ok).toBe(true);
    const blocks = card.blocks as Block[];
    const head = blocks[0]!.text!;
    expect(head.verbatim).toBe(true);
    expect(head.text).toContain('*Acme &lt;Corp&gt;*');
    expect(head.text).toContain('asked by <@U0CUSTOMER>');
    // The customer's words: no live broadcast, mention or link survives, and & is escaped.
    expect(head.text).not.toMatch(/<!channel>|<@U0CSM1|<https:/);
    expect(head.text).toContain('@\u2060channel');
    expect(head.text).toContain('&amp; more');
    const fields = blocks[1]!.fields!.map((f) => f.text).join('\n');
    expect(fields).toContain(':large_yellow_circle: Open');
    expect(fields).toContain('_Unassigned_');
    expect(fields).toContain(
      `*First response* (4h)\nDue <!date^${sec(r.due.firstResponse)}^{date_short_pretty} {time}|2026-11-02 13:00 UTC>`,
    );
    expect(fields).toContain(`Due <!date^${sec(r.due.resolution)}^`);
    expect(flattenText({ blocks: card.blocks })).toContain(`<${PERMALINK}|Open the thread>`);
    expect(card.text).not.toMatch(/<!channel>|<@/);
  });

  it('offers Take it, Resolve and a priority select whose values parse back to the request', () => {
    const r = request();
    const actions = (requestCard({ record: r, targets: TARGETS }).blocks as Block[]).find((b) => b.type === 'actions')!;
    const [take, res, select] = actions.elements!;
    expect(take).toMatchObject({ action_id: REQUEST_ACTIONS.take, value: r.id });
    expect(res).toMatchObject({ action_id: REQUEST_ACTIONS.resolve, value: r.id, style: 'primary' });
    expect(select).toMatchObject({ type: 'static_select', action_id: REQUEST_ACTIONS.priority });
    const options = select!.options as Array<{ value: string }>;
    expect(options.map((o) => parseRequestActionValue(o.value))).toEqual(
      ['urgent', 'high', 'normal', 'low'].map((priority) => ({ id: r.id, priority })),
    );
    expect(select!.initial_option).toEqual(options[2]);
    expect(parseRequestActionValue(String(take!.value))).toEqual({ id: r.id });
    expect(parseRequestActionValue(requestActionValue(r.id, 'high'))).toEqual({ id: r.id, priority: 'high' });
    for (const bad of ['', 'C0ACME', `${r.id}|critical`, `${r.id}|high|x`, '<!channel>'])
      expect(parseRequestActionValue(bad)).toBeUndefined();
  });

  it('is updated in place as the request moves: answered, assigned, breached, resolved (no buttons left), withdrawn', async () => {
    const r = request();
    const posted = await client.chat.postMessage({
      channel: 'C0TRIAGE',
      ...requestCard({ record: r, targets: TARGETS }),
    });
    const answered = assign(respond(r, { by: 'U0CSM1', at: T0 + 5 * H }, P), {
      assignee: 'U0CSM2',
      via: 'button',
      at: T0 + 5 * H,
    });
    const breached = markFired(
      markFired(r, { target: 'firstResponse', kind: 'breach' }, T0 + 4 * H),
      { target: 'resolution', kind: 'breach' },
      T0 + 80 * H,
    );
    const states: Array<[RequestRecord, string[]]> = [
      [
        answered,
        [
          ':speech_balloon: First response by <@U0CSM1>',
          '<@U0CSM2>',
          `:white_check_mark: <!date^${sec(T0 + 5 * H)}^`,
          '(late)',
        ],
      ],
      [breached, [':rotating_light: *Breached:* first response, resolution', ':rotating_light: *Breached*, was due']],
      [resolve(answered, { by: 'U0CSM2', at: T0 + 6 * H }, P), [':white_check_mark: Resolved by <@U0CSM2>']],
      [withdraw(r, T0 + H), [':heavy_minus_sign: Withdrawn']],
    ];
    for (const [record, expected] of states) {
      const card = requestCard({ record, targets: TARGETS });
      expect((await client.chat.update({ channel: 'C0TRIAGE', ts: posted.ts!, ...card })).ok).toBe(true);
      const text = flattenText({ blocks: card.blocks });
      for (const e of expected) expect(text).toContain(e);
      expect(card.blocks.some((b) => b.type === 'actions')).toBe(
        record.status !== 'resolved' && record.status !== 'withdrawn',
      );
    }
    const owned = openRequest(
      {
        channel: 'C0ACME',
        messageTs: '1762074009.000100',
        askerId: 'U0C',
        text: 'x',
        at: T0,
        via: 'every',
        account: { id: 'a', name: 'A', owner: 'U0OWN' },
      },
      P,
    );
    const owner = requestCard({ record: owned, targets: TARGETS });
    expect(flattenText({ blocks: owner.blocks })).toContain('<@U0OWN> (account owner)');
  });

  it('never renders a malformed asker id or a link that is not a plain https URL as markup', async () => {
    const r = { ...request('hi'), askerId: 'U0X> <!here', permalink: 'https://x.example/a|<!here>' };
    const card = requestCard({ record: r, targets: TARGETS });
    expect((await client.chat.postMessage({ channel: 'C0TRIAGE', ...card })).ok).toBe(true);
    const text = flattenText({ blocks: card.blocks });
    expect(text).not.toContain('<!here');
    expect(text).not.toContain('Open the thread');
  });
});

describe('breach reply, warning and notices', () => {
  it('names the assignee (else the owners) under the card, with the due time', async () => {
    const r = request();
    const posted = await client.chat.postMessage({
      channel: 'C0TRIAGE',
      ...requestCard({ record: r, targets: TARGETS }),
    });
    const reply = breachReply(r, 'firstResponse', '4h', ['U0CSM1', 'S0CSTEAM']);
    expect(reply).toBe(
      `:rotating_light: *First response SLA breached* (4h, due <!date^${sec(r.due.firstResponse)}^{date_short_pretty} {time}|2026-11-02 13:00 UTC>) for Acme &lt;Corp&gt;. <@U0CSM1> <!subteam^S0CSTEAM>`,
    );
    expect((await client.chat.postMessage({ channel: 'C0TRIAGE', thread_ts: posted.ts!, text: reply })).ok).toBe(true);
    expect(breachReply(r, 'resolution', '3d', [])).toContain('Nobody is assigned');
  });

  it('warns privately with the due time, the words and a link to the card', () => {
    const r = request('Where is my invoice <!here>?');
    const w = warningMessage(r, 'firstResponse', 'https://acme.slack.com/archives/C0TRIAGE/p1');
    expect(w).toContain(`first response to Acme &lt;Corp&gt;’s request is due <!date^${sec(r.due.firstResponse)}^`);
    expect(w).toContain('and nobody has replied yet');
    expect(w).toContain('<https://acme.slack.com/archives/C0TRIAGE/p1|the card>');
    expect(w).not.toContain('<!here>');
    expect(unassignedNotice(r)).toContain(`<${PERMALINK}|Open the thread>`);
    expect(REQUEST_REFUSAL).toMatch(/Nothing was changed/);
  });
});

describe('App Home sections', () => {
  it('lists a member’s requests soonest due first and the team’s figures; Slack takes the view', async () => {
    const now = T0 + 5 * H;
    const mine = [
      assign(request(), { assignee: 'U0ME', via: 'button', at: T0 }),
      assign(
        {
          ...request('second <!channel>'),
          id: 'C0ACME-1762074001.000100',
          openedAt: T0 + H,
          due: { firstResponse: T0 + 5 * H + 1, resolution: T0 + 80 * H },
        },
        {
          assignee: 'U0ME',
          via: 'button',
          at: T0,
        },
      ),
    ];
    const rows = yourRequests(mine, 'U0ME', now);
    const blocks = [
      ...yourRequestsBlocks(rows),
      { type: 'divider' as const },
      ...requestTeamBlocks(requestFigures(mine, now)),
    ];
    expect((await client.views.publish({ user_id: 'U0ME', view: { type: 'home', blocks } })).ok).toBe(true);
    const text = flattenText({ blocks });
    expect(text).toContain('*Your requests* (2 open, soonest due first)');
    expect(text.indexOf(':rotating_light: *overdue*')).toBeLessThan(text.indexOf('first response due'));
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('*Opened*\n2');
    expect(text).toContain('*SLA met: First response*\n0% (0 of 1)');
    expect(text).toContain('• *Acme &lt;Corp&gt;*: 2 open');
    expect(flattenText({ blocks: yourRequestsBlocks([]) })).toContain('No open customer request is assigned to you.');
  });
});
