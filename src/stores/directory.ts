import type { RedisClient } from '../infra/redis.js';
import type { Audience, Organisation, Person } from '../domain/audience.js';
import { stateKey } from './keys.js';

/** A channel's audience is re-read from Slack after this, and at once on `channel_shared` / `channel_unshared`. */
const CHANNEL_TTL_SECONDS = 5 * 60;
/** A person's organisation rarely changes; an organisation's name even less. */
const PERSON_TTL_SECONDS = 6 * 3600;
const ORG_TTL_SECONDS = 24 * 3600;
/** Who may press an owner's button follows group membership within minutes. */
const GROUP_TTL_SECONDS = 10 * 60;

/**
 * Who is who, cached from Slack and shared by every process (so a web process's `channel_shared` event
 * invalidates a worker's view too): channels' audiences, people's organisations, user groups' members.
 */
export class DirectoryStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async channel(id: string): Promise<Audience | undefined> {
    return this.read<Audience>('channel', id);
  }
  async setChannel(id: string, a: Audience): Promise<void> {
    await this.redis.set(this.key('channel', id), JSON.stringify(a), 'EX', CHANNEL_TTL_SECONDS);
  }
  /** The channel was shared or unshared: the next question about it goes to Slack. */
  async forgetChannel(id: string): Promise<void> {
    await this.redis.del(this.key('channel', id));
  }

  async person(id: string): Promise<Person | undefined> {
    return this.read<Person>('person', id);
  }
  async setPerson(p: Person): Promise<void> {
    await this.redis.set(this.key('person', p.id), JSON.stringify(p), 'EX', PERSON_TTL_SECONDS);
  }

  async organisation(teamId: string): Promise<Organisation | undefined> {
    return this.read<Organisation>('org', teamId);
  }
  async setOrganisation(o: Organisation): Promise<void> {
    await this.redis.set(this.key('org', o.id), JSON.stringify(o), 'EX', ORG_TTL_SECONDS);
  }

  async groupMembers(groupId: string): Promise<string[] | undefined> {
    return this.read<string[]>('group', groupId);
  }
  async setGroupMembers(groupId: string, users: string[]): Promise<void> {
    await this.redis.set(this.key('group', groupId), JSON.stringify(users), 'EX', GROUP_TTL_SECONDS);
  }

  private async read<T>(kind: string, id: string): Promise<T | undefined> {
    const raw = await this.redis.get(this.key(kind, id));
    return raw ? (JSON.parse(raw) as T) : undefined;
  }

  private key(kind: string, id: string): string {
    return stateKey(this.prefix, 'directory', kind, id);
  }
}
