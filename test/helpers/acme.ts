import type { FakeSlack } from '../fakes/slack-server.js';

// The customer most Slack tests meet: Acme Corp, another organisation, in a Slack Connect channel with our CSM
// (Acme's account owner in those tests' account books) and Dana of Acme.
export const ACME = { id: 'T0ACME', name: 'Acme Corp', domain: 'acme' };
export const SHARED = 'C0ACMESHARED';
export const CSM = 'U0CSM1';
export const CUSTOMER = 'U0ACMEDANA';

/** `acme-shared`, shared with Acme: our `members` (the CSM unless given) and Acme's `customers` (Dana unless given). */
export function addAcmeShared(
  slack: FakeSlack,
  o: { members?: string[]; customers?: Array<{ id: string; name: string }> } = {},
): void {
  slack.addSharedChannel({
    id: SHARED,
    name: 'acme-shared',
    externalTeam: ACME,
    members: o.members ?? [CSM],
    externalMembers: o.customers ?? [{ id: CUSTOMER, name: 'dana' }],
  });
}
