import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from './slack-server.js';
import { clientFor, slackError } from './web-client.js';
import { ACME } from '../helpers/acme.js';

/** DMs, ephemerals, user groups and the "what did LUNA post here" record, through a real WebClient. */

let slack: FakeSlack;
let client: WebClient;
beforeAll(async () => {
  slack = await FakeSlack.start();
  client = clientFor(slack);
  slack.addUser({ id: 'U0CSM', name: 'csm' });
  slack.addSharedChannel({ id: 'C0ACME', externalTeam: ACME, members: ['U0CSM'], externalMembers: ['U0ACME1'] });
});
afterAll(() => slack.close());

describe('FakeSlack conversations.open and DMs', () => {
  it('opens a stable D… channel per user, posts there, and records what was sent in dmsTo', async () => {
    const first = await client.conversations.open({ users: 'U0CSM' });
    const dm = first.channel!.id!;
    expect(dm).toMatch(/^D/);
    expect(first).not.toHaveProperty('already_open');
    const again = await client.conversations.open({ users: 'U0CSM', return_im: true });
    expect(again).toMatchObject({ no_op: true, already_open: true, channel: { id: dm, is_im: true, user: 'U0CSM' } });
    const resumed = await client.conversations.open({ channel: dm });
    expect(resumed.channel!.id).toBe(dm);

    await client.chat.postMessage({ channel: dm, text: 'Your weekly digest' });
    await client.chat.postMessage({ channel: 'U0CSM', text: 'via the user ID' });
    expect(slack.dmsTo('U0CSM')).toMatchObject([
      { channel: dm, dmWith: 'U0CSM', text: 'Your weekly digest' },
      { channel: dm, dmWith: 'U0CSM', text: 'via the user ID' },
    ]);
    expect(slack.dmsTo('U0NOBODY')).toEqual([]);

    // Another org's user can be DM'd while a shared channel connects them to the app.
    expect((await client.conversations.open({ users: 'U0ACME1' })).channel!.id).toMatch(/^D/);
  });

  it('answers conversations.open errors as Slack does', async () => {
    slack.addUser({ id: 'U0OTHERBOT', is_bot: true });
    slack.addUser({ id: 'U0GONE', deleted: true });
    slack.addExternalUser({ id: 'U0STRANGE', team_id: 'T0FAR' });
    slack.addChannel({ id: 'C0PLAIN' });
    expect(await slackError(client.conversations.open({ users: '' }))).toBe('users_list_not_supplied');
    expect(await slackError(client.conversations.open({ users: 'U0NOPE' }))).toBe('user_not_found');
    expect(await slackError(client.conversations.open({ users: 'U0GONE' }))).toBe('user_disabled');
    expect(await slackError(client.conversations.open({ users: 'U0OTHERBOT' }))).toBe('cannot_dm_bot');
    expect(await slackError(client.conversations.open({ users: 'U0LUNA' }))).toBe('cannot_dm_bot');
    expect(await slackError(client.conversations.open({ users: 'U0STRANGE' }))).toBe('invalid_user_combination');
    expect(
      await slackError(client.conversations.open({ users: Array.from({ length: 9 }, (_, i) => `U0X${i}`).join(',') })),
    ).toBe('too_many_users');
    expect(await slackError(client.conversations.open({ channel: 'C0PLAIN' }))).toBe(
      'method_not_supported_for_channel_type',
    );
    expect(await slackError(client.conversations.open({ channel: 'D0NOPE' }))).toBe('channel_not_found');
  });
});

describe('FakeSlack chat.postEphemeral', () => {
  it('shows an ephemeral to exactly one member, never stores it, and returns message_ts', async () => {
    const before = slack.messages('C0ACME').length;
    const res = await client.chat.postEphemeral({
      channel: 'C0ACME',
      user: 'U0CSM',
      text: 'Internal: discount approved up to 10%',
    });
    expect(res.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(slack.messages('C0ACME')).toHaveLength(before);
    expect(slack.visibleTo('U0CSM', 'C0ACME')).toContainEqual(
      expect.objectContaining({ kind: 'ephemeral', ts: res.message_ts, text: 'Internal: discount approved up to 10%' }),
    );
    expect(slack.visibleTo('U0ACME1', 'C0ACME').some((m) => m.text.includes('discount'))).toBe(false);
    // The other org's member is in the shared channel, so they can be sent one too.
    await client.chat.postEphemeral({ channel: 'C0ACME', user: 'U0ACME1', text: 'only for Acme' });
    expect(slack.visibleTo('U0CSM', 'C0ACME').some((m) => m.text === 'only for Acme')).toBe(false);
  });

  it('fails with user_not_in_channel, channel_not_found and not_in_channel', async () => {
    slack.addChannel({ id: 'C0LISTED', members: ['U0CSM'] });
    slack.addChannel({ id: 'C0OPEN' });
    slack.addChannel({ id: 'C0OUT', is_member: false });
    slack.addUser({ id: 'U0OUTSIDER' });
    expect(await slackError(client.chat.postEphemeral({ channel: 'C0LISTED', user: 'U0OUTSIDER', text: 'x' }))).toBe(
      'user_not_in_channel',
    );
    expect(await slackError(client.chat.postEphemeral({ channel: 'C0LISTED', user: 'U0NOBODY', text: 'x' }))).toBe(
      'user_not_in_channel',
    );
    // A channel without a member list takes the bot team's users, but never another org's.
    expect((await client.chat.postEphemeral({ channel: 'C0OPEN', user: 'U0OUTSIDER', text: 'x' })).ok).toBe(true);
    expect(await slackError(client.chat.postEphemeral({ channel: 'C0OPEN', user: 'U0ACME1', text: 'x' }))).toBe(
      'user_not_in_channel',
    );
    expect(await slackError(client.chat.postEphemeral({ channel: 'C0NOPE', user: 'U0CSM', text: 'x' }))).toBe(
      'channel_not_found',
    );
    expect(await slackError(client.chat.postEphemeral({ channel: 'C0OUT', user: 'U0CSM', text: 'x' }))).toBe(
      'not_in_channel',
    );
    const dm = (await client.conversations.open({ users: 'U0CSM' })).channel!.id!;
    expect(await slackError(client.chat.postEphemeral({ channel: dm, user: 'U0OUTSIDER', text: 'x' }))).toBe(
      'user_not_in_channel',
    );
  });
});

describe('FakeSlack user groups', () => {
  it('lists a group’s users, hides disabled groups unless asked, and answers no_such_subteam', async () => {
    slack.setUsergroup({ id: 'S0CS', handle: 'cs-team', users: ['U0CSM', 'U0LEAD'] });
    slack.setUsergroup({ id: 'S0OLD', handle: 'old', users: ['U0CSM'], disabled: true });
    expect((await client.usergroups.users.list({ usergroup: 'S0CS' })).users).toEqual(['U0CSM', 'U0LEAD']);
    slack.setUsergroup({ id: 'S0CS', handle: 'cs-team', users: ['U0LEAD'] });
    expect((await client.usergroups.users.list({ usergroup: 'S0CS' })).users).toEqual(['U0LEAD']);
    expect(await slackError(client.usergroups.users.list({ usergroup: 'S0NOPE' }))).toBe('no_such_subteam');
    expect(await slackError(client.usergroups.users.list({ usergroup: 'S0OLD' }))).toBe('no_such_subteam');
    expect((await client.usergroups.users.list({ usergroup: 'S0OLD', include_disabled: true })).users).toEqual([
      'U0CSM',
    ]);
    expect(await slackError(client.usergroups.users.list({} as never))).toBe('invalid_arguments');

    const listed = (await client.usergroups.list({ include_count: true })).usergroups!;
    expect(listed.map((g) => [g.id, g.user_count])).toEqual([['S0CS', 1]]);
    expect((await client.usergroups.list({ include_disabled: true })).usergroups!.map((g) => g.id)).toEqual([
      'S0CS',
      'S0OLD',
    ]);
  });
});

describe('FakeSlack postedIn', () => {
  it('keeps every version LUNA posted into a channel — threads, updates, blocks and deleted messages included', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0ACME', text: 'Looking into it' });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'Escalated to *#cs-escalations*' } }];
    const reply = await client.chat.postMessage({ channel: 'C0ACME', thread_ts: parent.ts!, text: 'Update', blocks });
    await client.chat.update({
      channel: 'C0ACME',
      ts: reply.ts!,
      text: 'Update',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'All sorted' } }],
    });
    await client.chat.delete({ channel: 'C0ACME', ts: reply.ts! });
    const posted = slack.postedIn('C0ACME');
    expect(posted.map((v) => [v.kind, v.ts])).toEqual([
      ['post', parent.ts],
      ['post', reply.ts],
      ['update', reply.ts],
    ]);
    expect(posted[1]).toMatchObject({ thread_ts: parent.ts, blocks });
    expect(posted[1]!.visibleText).toContain('Escalated to *#cs-escalations*');
    expect(posted.some((v) => v.visibleText.includes('cs-escalations'))).toBe(true);
    expect(slack.botMessages('C0ACME').some((m) => JSON.stringify(m).includes('cs-escalations'))).toBe(false);
  });
});
