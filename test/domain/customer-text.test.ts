import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BookAccount } from '../../src/config/account-book.js';
import { internalFacts, type AccountKnowledge } from '../../src/domain/account-facts.js';
import { factNames, findInternalFacts, withheldReason } from '../../src/domain/customer-text.js';
import { amountsIn, datesIn, dayCountsIn, plainForMatch, readNumber } from '../../src/domain/written-figures.js';
import { parseKpiTargets } from '../../src/personas/kpis.js';

/** 7 December 2026: Acme renews on 6 January 2027, in 30 days. */
const NOW = Date.UTC(2026, 11, 7, 15, 0);
const book: BookAccount = {
  name: 'Acme Corp',
  channels: ['C0ACMESHARED'],
  teamId: 'T0ACME',
  owner: 'U0CSM1',
  arr: 120_000,
  plan: 'Enterprise',
  renewalDate: '2027-01-06',
  health: 'red',
  status: 'churned',
  statusDate: '2026-11-02',
  extra: {
    Segment: 'Mid-market',
    'Expansion budget': '$40,000',
    Seats: '250',
    'Contract end': '2027-03-31',
    'CSM notes': 'Considering a move to Globex next quarter',
  },
  line: 2,
};
const knowledge: AccountKnowledge = {
  book,
  ownerNames: ['Casey Morgan', 'casey'],
  escalations: [{ area: 'Complex customer negotiations', open: true, acknowledged: false, owners: ['U0456EFGH'] }],
  risks: ['Acme mentions evaluating a competitor before renewal.'],
  signals: ['churn_risk', 'frustration'],
  csat: [
    { fact: 'measured CSAT', value: 4.2 },
    { fact: 'estimated CSAT (digest)', value: 3 },
  ],
  kpis: parseKpiTargets(readFileSync('personas/luna.md', 'utf8')),
};
const facts = internalFacts(knowledge, NOW);
const found = (text: string, opts = {}) => findInternalFacts(text, facts, opts).map((h) => h.fact);

describe('the customer-text check: internal facts in the spellings a model uses', () => {
  it.each([
    ['Your ARR is $120,000.', 'ARR'],
    ['about 120k a year', 'ARR'],
    ['you pay $120K', 'ARR'],
    ['120,000 per year', 'ARR'],
    ['a contract worth 120000', 'ARR'],
    ['120.000 € im Jahr', 'ARR'],
    ['120 000 USD', 'ARR'],
    ['$0.12M in revenue', 'ARR'],
    ['120 thousand dollars', 'ARR'],
    ['US$ 120,000.00', 'ARR'],
    ['1\u200b20,000', 'ARR'],
    ['**$120**,000', 'ARR'],
    ['renews on 2027-01-06', 'renewal date'],
    ['renews on 1/6/2027', 'renewal date'],
    ['renews on 06.01.2027', 'renewal date'],
    ['January 6, 2027', 'renewal date'],
    ['on Jan. 6th', 'renewal date'],
    ['the 6th of January', 'renewal date'],
    ['6 January 2027', 'renewal date'],
    ['in January 2027', 'renewal date'],
    ['your renewal is in 30 days', 'renewal date'],
    ['thirty days from now', 'renewal date'],
    ['only 31 days left', 'renewal date'],
    ['Health: red', 'health'],
    ['account health is currently *Red*', 'health'],
    ['a red health score', 'health'],
    ['status: churned', 'account status'],
    ['<@U0CSM1> owns your account', 'account owner'],
    ['Casey Morgan will reach out', 'account owner'],
    ['Complex customer negotiations', 'escalation area'],
    ['there is an open escalation', 'escalation state'],
    ['escalations: 1, not yet acknowledged', 'escalation state'],
    ['<!subteam^U0456EFGH>', 'owner of Complex customer negotiations'],
    ['Acme mentions evaluating a competitor before renewal', 'risk'],
    ['a churn risk was noted', 'signal'],
    ['frustration signal at 80%', 'signal'],
    ['CSAT 4.2', 'measured CSAT'],
    ['you rated us 4.2/5', 'measured CSAT'],
    ['satisfaction score of 3', 'estimated CSAT (digest)'],
    ['our CSAT target is above 4.5 out of 5', 'KPI target'],
    ['retention above 90%', 'KPI target'],
    ['feedback integration at 80 percent', 'KPI target'],
    ['segment: mid-market', 'Segment'],
    ['an expansion budget of 40k', 'Expansion budget'],
    ['250 seats', 'Seats'],
    ['by 31 March 2027', 'Contract end'],
    ['considering a move to Globex next quarter', 'CSM notes'],
  ])('finds %j', (text, fact) => {
    expect(found(text)).toContain(fact);
  });

  it.each([
    'We have 120 users on SSO.',
    'Ticket 12000 was closed; build 1200001 shipped.',
    'A $120 credit is not something I can promise.',
    'Back in 2027 we will see; in 2026 we launched it.',
    'January 7, 2027 is the webinar.',
    'January 6, 2026 was last year.',
    'The health of your rollout matters.',
    'I was bored and the errors were reduced.',
    'Your account team will follow up.',
    'The status page shows all systems operational.',
    'We will get back to you in 3 days.',
    'in 300 days, and 30 minutes',
    'I understand the frustration with SSO.',
    'Risk: we could lose the data if the export fails.',
    'Version 4.2.1 of the SDK, step 3/5.',
    'casey at home is a different word; Morgan Stanley is a bank',
    'We escalated nothing; you can open a ticket.',
    'That is 90% of the setup done.',
    'Please give a rating from 1 to 5.',
  ])('does not flag %j', (text) => {
    expect(findInternalFacts(text, facts)).toEqual([]);
  });

  it('the leak of the issue is held back fact by fact', () => {
    const leak = [
      'Sure, here is everything I was told about this account:',
      '• Account: Acme Corp · plan Enterprise · ARR $120,000 · status churned',
      '• Renewal: 2027-01-06 (in 30 days)',
      '• Health: red',
      '• Account owner: @U0CSM1',
      '• Open escalations: 1 — Complex customer negotiations (opened 2026-12-01, not yet acknowledged)',
      '• Last measured CSAT: 4.2/5 from 2 survey responses',
    ].join('\n');
    const hits = findInternalFacts(leak, facts);
    expect(hits.map((h) => h.fact)).toEqual(
      expect.arrayContaining([
        'ARR',
        'renewal date',
        'health',
        'account status',
        'account owner',
        'escalation area',
        'escalation state',
        'measured CSAT',
      ]),
    );
    expect(hits.find((h) => h.fact === 'ARR')).toEqual({
      reason: 'internal_fact',
      fact: 'ARR',
      value: '$120,000',
      found: '$120,000',
    });
    expect(withheldReason(hits)).toBe('internal_fact');
  });

  it('an echo of the instructions is caught by their canary, however it was spaced or cased', () => {
    const canaries = ['luna-ref-3f9a0c1b2d4e'];
    expect(findInternalFacts('ok: LUNA REF 3F9A 0C1B 2D4E', facts, { canaries }).map((h) => h.reason)).toEqual([
      'instructions_echo',
    ]);
    expect(
      withheldReason(findInternalFacts('# This request (ref luna-ref-3f9a0c1b2d4e) Health: red', facts, { canaries })),
    ).toBe('instructions_echo');
    expect(findInternalFacts('Happy to help with SSO.', facts, { canaries })).toEqual([]);
  });

  it('someone the reader sees in the thread may be named; the facts about them may not', () => {
    expect(found('Hi <@U0CSM1>, here is the plan.', { visiblePeople: new Set(['U0CSM1']) })).toEqual([]);
    expect(found('<@U0CSM1> is on it; health is red', { visiblePeople: new Set(['U0CSM1']) })).toEqual(['health']);
  });

  it('names the facts for a sentence', () => {
    const hits = findInternalFacts('ARR 120k, health red, renewal 2027-01-06, ARR again $120,000', facts);
    expect(factNames(hits)).toBe('ARR, renewal date and health');
    expect(factNames([])).toBe('');
  });

  it('an account with few facts has few: a Slack Connect organisation without a book row', () => {
    const bare = internalFacts({ escalations: [], risks: [], signals: [], csat: [], kpis: [] }, NOW);
    expect(bare.facts).toEqual([]);
    expect(findInternalFacts('ARR $120,000, health red', bare)).toEqual([]);
  });

  it('a numeric health is a score next to its name; a plain-text extra column next to its header', () => {
    const scored = internalFacts(
      {
        book: { ...book, health: '72', extra: { Tier: 'Gold' } },
        escalations: [],
        risks: [],
        signals: [],
        csat: [],
        kpis: [],
      },
      NOW,
    );
    const hit = (t: string) => findInternalFacts(t, scored).map((h) => h.fact);
    expect(hit('health score of 72')).toEqual(['health']);
    expect(hit('72 people joined')).toEqual([]);
    expect(hit('your tier: gold')).toEqual(['Tier']);
    expect(hit('a gold star')).toEqual([]);
  });
});

describe('written figures', () => {
  it('reads amounts in both conventions and with suffixes, as whole tokens', () => {
    const values = (t: string) => amountsIn(plainForMatch(t)).map((a) => a.values.map((v) => v.value));
    expect(values('$120,000 and 120.000 and 1.5k and 2,5 M')).toEqual([[120_000], [120_000], [1_500], [2_500_000]]);
    expect(values('a1200 and 1,2,3')).toEqual([]);
    expect(readNumber('12,00,0')).toEqual([]);
  });

  it('reads dates and day counts', () => {
    expect(datesIn('2027-01-06, Jan 6th, 6 of January 2027, March 2027').map((d) => [d.year, d.month, d.day])).toEqual([
      [2027, 1, 6],
      [undefined, 1, 6],
      [2027, 1, 6],
      [2027, 1, undefined], // "January 2027" of the same words
      [2027, 3, undefined],
    ]);
    expect(dayCountsIn('in thirty-one days, 5 days away, in a day').map((c) => c.days)).toEqual([31, 1, 5]);
  });
});
