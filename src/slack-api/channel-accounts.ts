import type { AccountBook, BookAccount } from '../config/account-book.js';
import type { Workspace } from '../config/workspace.js';
import { accountForChannel, fromBook, type Account } from '../domain/accounts.js';
import type { AccountStore } from '../stores/accounts.js';
import type { Directory } from './directory.js';
import { isDirectMessageId } from '../domain/slack-ids.js';

/**
 * Which account a channel is about (not a Slack API wrapper: it asks the directory for the channel's audience), from the account book (LUNA_ACCOUNTS, reloaded when it changes), the
 * `accounts.channels` config and, for Slack Connect channels, the other organisation the directory names.
 * Every account a channel resolves to is registered in account memory, so the Home tab lists Slack Connect
 * organisations that no book has.
 */
export class ChannelAccounts {
  constructor(
    private readonly directory: Directory,
    private readonly book: () => AccountBook | undefined,
    private readonly config: Workspace['accounts'],
    private readonly store: AccountStore,
  ) {}

  /** The account of a channel, or undefined (a DM, an internal channel about no account). */
  async forChannel(channel: string): Promise<Account | undefined> {
    if (isDirectMessageId(channel)) return undefined;
    const audience = await this.directory.audience(channel);
    const account = accountForChannel(
      { channel, name: audience.name, customers: audience.customers },
      this.rows(),
      this.config.channels,
    );
    if (account) await this.store.register(account, channel);
    return account;
  }

  /** Every account LUNA knows: the book's rows, then organisations seen in Slack Connect channels. */
  async all(): Promise<Array<{ account: Account; channels: string[] }>> {
    const rows = this.rows();
    const known = await this.store.allKnown();
    const byId = new Map<string, { account: Account; channels: string[] }>();
    for (const row of rows) {
      const a = fromBook(row);
      byId.set(a.id, { account: a, channels: row.channels.filter((c) => /^[CG][A-Z0-9]{2,}$/.test(c)) });
    }
    for (const k of known) {
      const entry = byId.get(k.id);
      if (entry) entry.channels = [...new Set([...entry.channels, ...k.channels])];
      else
        byId.set(k.id, {
          account: { id: k.id, name: k.name, ...(k.teamId ? { teamId: k.teamId } : {}) },
          channels: k.channels,
        });
    }
    return [...byId.values()];
  }

  rows(): readonly BookAccount[] {
    return this.book()?.accounts ?? [];
  }
}
