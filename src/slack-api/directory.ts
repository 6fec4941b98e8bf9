import type { WebClient } from '@slack/web-api';
import type { Workspace } from '../config/workspace.js';
import {
  decideAudience,
  foreignTeams,
  type Audience,
  type ChannelFacts,
  type Home,
  type Organisation,
  type Person,
} from '../domain/audience.js';
import type { DirectoryStore } from '../stores/directory.js';
import { slackErrorCode } from './errors.js';
import { isDirectMessageId } from '../domain/slack-ids.js';

/**
 * Answers "who can read this channel?" and "is this person one of ours?" from Slack (conversations.info,
 * users.info, team.info, usergroups.users.list), cached in Redis for minutes. Every job that posts asks
 * here, so the audience of a place is decided once.
 */
export class Directory {
  constructor(
    private readonly slack: WebClient,
    private readonly store: DirectoryStore,
    private readonly home: Home,
    private readonly config: Workspace['customerChannels'],
  ) {}

  /** True where only the team reads: a DM with LUNA, or a channel whose audience is internal. */
  async teamOnly(channel: string): Promise<boolean> {
    return isDirectMessageId(channel) || (await this.audience(channel)).kind === 'internal';
  }

  async audience(channel: string): Promise<Audience> {
    const configured = this.config.channels[channel];
    const cached = await this.store.channel(channel);
    if (cached) return cached;
    const info = await this.slack.conversations.info({ channel });
    const facts = (info.channel ?? {}) as ChannelFacts;
    const teams = foreignTeams(facts, this.home);
    const names = await Promise.all(teams.map((t) => this.organisation(t)));
    const audience = {
      ...decideAudience(facts, this.home, configured, names),
      ...(facts.name ? { name: facts.name } : {}),
    };
    await this.store.setChannel(channel, audience);
    return audience;
  }

  /** A person, external when their team is another organisation's (or Slack calls them a stranger). */
  async person(userId: string): Promise<Person> {
    const cached = await this.store.person(userId);
    if (cached) return cached;
    const res = await this.slack.users.info({ user: userId }).catch((err: unknown) => {
      // Someone Slack will not show LUNA is, where it matters (a customer channel), treated as the customer.
      if (slackErrorCode(err) === 'user_not_found' || slackErrorCode(err) === 'user_not_visible')
        return { user: { is_stranger: true } };
      throw err;
    });
    const u = (res.user ?? {}) as {
      team_id?: string;
      is_stranger?: boolean;
      enterprise_user?: { enterprise_id?: string };
      real_name?: string;
      profile?: { real_name?: string; display_name?: string };
    };
    const team = u.team_id;
    const sameEnterprise =
      this.home.enterpriseId !== undefined && u.enterprise_user?.enterprise_id === this.home.enterpriseId;
    const external = Boolean(u.is_stranger) || (team !== undefined && team !== this.home.teamId && !sameEnterprise);
    const names = [
      ...new Set(
        [u.real_name, u.profile?.real_name, u.profile?.display_name].filter((n): n is string => Boolean(n?.trim())),
      ),
    ];
    const person: Person = {
      id: userId,
      external,
      ...(external && team ? { organisation: await this.organisation(team) } : {}),
      ...(names.length ? { names } : {}),
    };
    await this.store.setPerson(person);
    return person;
  }

  /**
   * The one rule for "is this person of another organisation": the event's own `user_team` (Slack signs it) settles
   * it when it names LUNA's workspace or enterprise; any other team, or none, is asked of the directory above, which
   * knows Enterprise Grid siblings and strangers (someone Slack will not show LUNA counts as external).
   */
  async isExternal(userId: string, userTeam?: string): Promise<boolean> {
    if (userTeam !== undefined && (userTeam === this.home.teamId || userTeam === this.home.enterpriseId)) return false;
    return (await this.person(userId)).external;
  }

  /** Many people at once (a thread's participants); unknown ids count as internal only if Slack says so. */
  async people(ids: Iterable<string>): Promise<Map<string, Person>> {
    const unique = [...new Set(ids)];
    const people = await Promise.all(unique.map((id) => this.person(id)));
    return new Map(people.map((p) => [p.id, p]));
  }

  /** User ids for a list of users and user groups (`S…` expanded through usergroups.users.list). */
  async expand(ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const id of ids) {
      if (!id.startsWith('S')) out.add(id);
      else for (const member of await this.groupMembers(id)) out.add(member);
    }
    return out;
  }

  private async groupMembers(groupId: string): Promise<string[]> {
    const cached = await this.store.groupMembers(groupId);
    if (cached) return cached;
    const res = await this.slack.usergroups.users.list({ usergroup: groupId });
    const users = res.users ?? [];
    await this.store.setGroupMembers(groupId, users);
    return users;
  }

  private async organisation(teamId: string): Promise<Organisation> {
    const cached = await this.store.organisation(teamId);
    if (cached) return cached;
    try {
      const res = await this.slack.team.info({ team: teamId });
      const org = { id: teamId, name: res.team?.name || teamId };
      await this.store.setOrganisation(org);
      return org;
    } catch (err) {
      // A team LUNA may not look up is still another organisation; its id stands in for the name.
      if (slackErrorCode(err) === 'team_not_found' || slackErrorCode(err) === 'missing_scope')
        return { id: teamId, name: 'an external organisation' };
      throw err;
    }
  }
}
