import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventEnvelope } from '../helpers/slack-sign.js';
import { FakeSlack } from './slack-server.js';
import { clientFor, slackError } from './web-client.js';
import { ACME } from '../helpers/acme.js';

/** Slack Connect in the fake: shared channels, another org's users and team, through a real WebClient. */

let slack: FakeSlack;
let client: WebClient;
beforeAll(async () => {
  slack = await FakeSlack.start();
  client = clientFor(slack);
});
afterAll(() => slack.close());

describe('FakeSlack Slack Connect channels', () => {
  it('describes a shared channel the way conversations.info does, and lists both orgs in conversations.members', async () => {
    slack.addSharedChannel({
      id: 'C0ACME',
      name: 'acme-shared',
      externalTeam: ACME,
      members: ['U0CSM'],
      externalMembers: ['U0ACME1', { id: 'U0ACME2', real_name: 'Bea Acme' }],
    });
    const { channel } = await client.conversations.info({ channel: 'C0ACME' });
    expect(channel).toMatchObject({
      is_shared: true,
      is_ext_shared: true,
      is_org_shared: false,
      is_pending_ext_shared: false,
      context_team_id: 'T0TEAM',
      conversation_host_id: 'T0TEAM',
      connected_team_ids: ['T0TEAM', 'T0ACME'],
      shared_team_ids: ['T0TEAM'],
      internal_team_ids: [],
      pending_connected_team_ids: [],
    });
    const members = await client.conversations.members({ channel: 'C0ACME' });
    expect(members.members!.sort()).toEqual(['U0ACME1', 'U0ACME2', 'U0CSM', 'U0LUNA']);

    slack.addChannel({ id: 'C0LOCAL' });
    const local = (await client.conversations.info({ channel: 'C0LOCAL' })).channel!;
    expect(local).toMatchObject({
      is_shared: false,
      is_ext_shared: false,
      shared_team_ids: ['T0TEAM'],
      context_team_id: 'T0TEAM',
    });
    expect(local).not.toHaveProperty('connected_team_ids');
    expect(local).not.toHaveProperty('conversation_host_id');
  });

  it('models pending invitations, channels the other org hosts, and the plain is_ext_shared option', async () => {
    slack.addSharedChannel({
      id: 'C0PEND',
      externalTeam: { id: 'T0GLOBEX', name: 'Globex', domain: 'globex' },
      externalMembers: ['U0GLOBEX1'],
      pending: true,
    });
    expect((await client.conversations.info({ channel: 'C0PEND' })).channel).toMatchObject({
      is_ext_shared: false,
      is_pending_ext_shared: true,
      pending_connected_team_ids: ['T0GLOBEX'],
    });
    expect((await client.conversations.members({ channel: 'C0PEND' })).members).toEqual(['U0LUNA']);

    slack.addSharedChannel({ id: 'C0THEIRS', externalTeam: ACME, hostedByThem: true });
    expect((await client.conversations.info({ channel: 'C0THEIRS' })).channel).toMatchObject({
      conversation_host_id: 'T0ACME',
      shared_team_ids: ['T0ACME'],
      connected_team_ids: ['T0ACME', 'T0TEAM'],
      context_team_id: 'T0TEAM',
    });
    slack.addChannel({ id: 'C0OLDSTYLE', is_ext_shared: true });
    expect((await client.conversations.info({ channel: 'C0OLDSTYLE' })).channel).toMatchObject({
      is_ext_shared: true,
      connected_team_ids: ['T0TEAM', 'T0EXTERNAL'],
    });
  });

  it('shares and unshares a channel, returning the documented channel_shared / channel_unshared events', async () => {
    slack.addChannel({ id: 'C0FLIP', name: 'flip', members: ['U0CSM'] });
    slack.addExternalUser({ id: 'U0INIT1', team_id: 'T0INITECH', real_name: 'Ian Initech' });
    slack.addTeam({ id: 'T0INITECH', name: 'Initech', domain: 'initech' });
    expect((await client.users.info({ user: 'U0INIT1' })).user).toMatchObject({
      team_id: 'T0INITECH',
      is_stranger: true,
    });

    const shared = slack.shareChannel('C0FLIP', 'T0INITECH', ['U0INIT1']);
    expect(shared).toEqual({
      type: 'channel_shared',
      connected_team_id: 'T0INITECH',
      channel: 'C0FLIP',
      event_ts: expect.stringMatching(/^\d+\.\d{6}$/) as unknown,
    });
    expect((await client.conversations.info({ channel: 'C0FLIP' })).channel).toMatchObject({
      is_ext_shared: true,
      connected_team_ids: ['T0TEAM', 'T0INITECH'],
    });
    expect((await client.conversations.members({ channel: 'C0FLIP' })).members).toContain('U0INIT1');
    expect((await client.users.info({ user: 'U0INIT1' })).user).not.toHaveProperty('is_stranger');
    const envelope = eventEnvelope(shared, { isExtSharedChannel: true }) as {
      event: unknown;
      is_ext_shared_channel: boolean;
    };
    expect(envelope).toMatchObject({ event: { type: 'channel_shared' }, is_ext_shared_channel: true });

    const unshared = slack.unshareChannel('C0FLIP', 'T0INITECH');
    expect(unshared).toEqual({
      type: 'channel_unshared',
      previously_connected_team_id: 'T0INITECH',
      channel: 'C0FLIP',
      is_ext_shared: false,
      event_ts: expect.any(String) as unknown,
    });
    expect((await client.conversations.info({ channel: 'C0FLIP' })).channel).toMatchObject({
      is_ext_shared: false,
      is_shared: false,
    });
    expect((await client.conversations.members({ channel: 'C0FLIP' })).members!.sort()).toEqual(['U0CSM', 'U0LUNA']);
    expect((await client.users.info({ user: 'U0INIT1' })).user).toMatchObject({ is_stranger: true });
    expect(() => slack.unshareChannel('C0FLIP', 'T0INITECH')).toThrow(/not shared with T0INITECH/);

    // Two orgs: removing one leaves the channel externally shared.
    slack.addSharedChannel({
      id: 'C0TWO',
      externalTeam: [ACME, { id: 'T0UMBR', name: 'Umbrella', domain: 'umbrella' }],
    });
    expect(slack.unshareChannel('C0TWO', 'T0UMBR').is_ext_shared).toBe(true);
  });
});

describe('FakeSlack users and teams of another organisation', () => {
  it('users.info gives an external user their own team_id and profile.team, and no enterprise_user', async () => {
    slack.addSharedChannel({
      id: 'C0ACME2',
      externalTeam: ACME,
      externalMembers: [{ id: 'U0ACMEBOB', name: 'bob', real_name: 'Bob Acme', display_name: 'bob' }],
    });
    const { user } = await client.users.info({ user: 'U0ACMEBOB' });
    expect(user).toMatchObject({
      id: 'U0ACMEBOB',
      team_id: 'T0ACME',
      real_name: 'Bob Acme',
      profile: { team: 'T0ACME', display_name: 'bob' },
    });
    expect(user).not.toHaveProperty('enterprise_user');
    expect(user).not.toHaveProperty('is_stranger');
    slack.addUser({ id: 'U0HOME', name: 'home' });
    expect((await client.users.info({ user: 'U0HOME' })).user).toMatchObject({
      team_id: 'T0TEAM',
      profile: { team: 'T0TEAM' },
    });
    expect(await slackError(client.users.info({ user: 'U0GHOST' }))).toBe('user_not_found');
  });

  it('builds app_mention and message events with user_team / source_team, and stores the message the same way', async () => {
    const mention = slack.userEvent({ user: 'U0ACMEBOB', channel: 'C0ACME2', text: '<@U0LUNA> where is my invoice?' });
    expect(mention).toMatchObject({
      type: 'app_mention',
      user: 'U0ACMEBOB',
      channel: 'C0ACME2',
      team: 'T0ACME',
      user_team: 'T0ACME',
      source_team: 'T0ACME',
      user_profile: { real_name: 'Bob Acme', team: 'T0ACME' },
    });
    expect(mention).not.toHaveProperty('channel_type');
    expect(mention.event_ts).toBe(mention.ts);
    const history = await client.conversations.history({ channel: 'C0ACME2' });
    expect(history.messages![0]).toMatchObject({
      ts: mention.ts,
      user: 'U0ACMEBOB',
      team: 'T0ACME',
      user_team: 'T0ACME',
      source_team: 'T0ACME',
    });

    const reply = slack.userEvent({
      type: 'message',
      user: 'U0CSM',
      channel: 'C0ACME2',
      text: 'on it',
      threadTs: mention.ts,
    });
    expect(reply).toMatchObject({
      type: 'message',
      channel_type: 'channel',
      team: 'T0TEAM',
      user_team: 'T0TEAM',
      source_team: 'T0TEAM',
      thread_ts: mention.ts,
    });
    expect(reply).not.toHaveProperty('user_profile');
    expect(slack.thread('C0ACME2', mention.ts).map((m) => m.text)).toEqual(['<@U0LUNA> where is my invoice?', 'on it']);
  });

  it('team.info answers for the bot team, a connected team, and team_not_found / team_not_on_enterprise', async () => {
    expect((await client.team.info()).team).toMatchObject({ id: 'T0TEAM', name: 'Fake Team', domain: 'fake' });
    const acme = (await client.team.info({ team: 'T0ACME' })).team!;
    expect(acme).toMatchObject({ id: 'T0ACME', name: 'Acme Corp', domain: 'acme', icon: { image_default: true } });
    expect(acme.icon?.image_132).toMatch(/^https:\/\//);
    expect(await slackError(client.team.info({ team: 'T0NOWHERE' }))).toBe('team_not_found');
    expect(await slackError(client.team.info({ domain: 'acme' }))).toBe('team_not_on_enterprise');
  });
});
