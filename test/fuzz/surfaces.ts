/**
 * LUNA's surfaces as Slack sends them — mentions, DMs, a customer's messages in a Slack Connect channel, reactions,
 * App Home, channel_shared/unshared, a click on each button LUNA posts, `/journey-map`, the "Feedback digest"
 * shortcut, an unknown shortcut and view — about the workspace `WORLD` the campaign seeds. The generator
 * (generator.ts) mutates what these build.
 */

/** The workspace the requests are about; test/fuzz/campaign.ts seeds the fake Slack with it. */
export const WORLD = {
  team: 'T0TEAM',
  customerTeam: 'T0ACME',
  bot: 'U0LUNA',
  member: 'U0ALICE',
  csm: 'U0CSM1',
  customer: 'U0ACMEDANA',
  internal: 'C0SUPPORT',
  shared: 'C0ACMESHARED',
  escalations: 'C0ESC',
  dm: 'D0ALICE',
  /** The CS manager's DM with LUNA, where drafts arrive. */
  csmDm: 'D0CASEY',
} as const;

/**
 * What the campaign seeded: message timestamps that exist, by channel; more of them kept for the known cases
 * (a mention is one job per message, so a case about a message some earlier request already used would be a
 * duplicate delivery and never run); and a `response_url` the fake Slack serves.
 */
export interface Seeded {
  threads: Record<string, string[]>;
  reserved: Record<string, string[]>;
  responseUrl: string;
}

/** mulberry32: small, fast, and the same on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;
export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };

/** Ids and timestamps the requests carry are counted from here (reset per run), so a seed replays exactly. */
let counter = 0;
export function resetIds(): void {
  counter = 0;
}
const nowTs = () => `${1_750_000_000 + Math.floor(++counter / 1_000)}.${String(counter % 1_000).padStart(6, '0')}`;

function envelope(event: Obj, ext = false): Obj {
  const team = WORLD.team;
  return {
    token: 'legacy',
    team_id: team,
    context_team_id: team,
    context_enterprise_id: null,
    api_app_id: 'A0LUNA',
    event: { ...event, event_ts: typeof event.ts === 'string' ? event.ts : nowTs() },
    type: 'event_callback',
    event_id: `Ev${(++counter).toString(36).toUpperCase()}`,
    event_time: 1_750_000_000,
    authorizations: [
      { enterprise_id: null, team_id: team, user_id: WORLD.bot, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: ext,
  };
}

function click(user: string, channel: string, ts: string, action: Obj, responseUrl?: string): Obj {
  const ephemeral = responseUrl !== undefined;
  const actionTs = nowTs();
  return {
    type: 'block_actions',
    user: {
      id: user,
      username: user.toLowerCase(),
      team_id: user === WORLD.customer ? WORLD.customerTeam : WORLD.team,
    },
    api_app_id: 'A0LUNA',
    token: 'legacy',
    trigger_id: `9.9.${actionTs}`,
    team: { id: WORLD.team, domain: 'fake' },
    container: { type: 'message', channel_id: channel, message_ts: ts, is_ephemeral: ephemeral },
    channel: { id: channel },
    ...(ephemeral ? { response_url: responseUrl } : { message: { ts } }),
    actions: [
      { type: 'button', block_id: 'b', text: { type: 'plain_text', text: 'x' }, action_ts: actionTs, ...action },
    ],
  };
}

export type Surface = { name: string; kind: 'event' | 'interactive' | 'command'; build: (rng: Rng, t: Seeded) => Obj };

/** A message of the channel, or (half the time) one Slack never had: a job about it can never succeed. */
const tsIn = (rng: Rng, t: Seeded, channel: string) =>
  rng() < 0.5 ? nowTs() : pick(rng, t.threads[channel] ?? [nowTs()]);
const MENTION_TEXTS = [
  '<@U0LUNA> how do we cut onboarding churn?',
  '<@U0LUNA> digest',
  '<@U0LUNA> journey map enterprise onboarding',
  '<@U0LUNA>',
];

export const SURFACES: Surface[] = [
  {
    name: 'app_mention',
    kind: 'event',
    build: (rng, t) => {
      const ts = tsIn(rng, t, WORLD.internal);
      return envelope({
        type: 'app_mention',
        user: WORLD.member,
        text: pick(rng, MENTION_TEXTS),
        ts,
        channel: WORLD.internal,
        team: WORLD.team,
      });
    },
  },
  {
    name: 'message.im',
    kind: 'event',
    build: (rng, t) =>
      envelope({
        type: 'message',
        channel_type: 'im',
        user: WORLD.member,
        text: 'what drives NPS?',
        ts: tsIn(rng, t, WORLD.dm),
        channel: WORLD.dm,
        team: WORLD.team,
      }),
  },
  {
    name: 'customer app_mention',
    kind: 'event',
    build: (rng, t) =>
      envelope(
        {
          type: 'app_mention',
          user: WORLD.customer,
          text: '<@U0LUNA> when is the SSO fix shipping?',
          ts: tsIn(rng, t, WORLD.shared),
          channel: WORLD.shared,
          team: WORLD.customerTeam,
          user_team: WORLD.customerTeam,
          source_team: WORLD.customerTeam,
        },
        true,
      ),
  },
  {
    name: 'customer message',
    kind: 'event',
    build: (rng, t) =>
      envelope(
        {
          type: 'message',
          channel_type: 'channel',
          user: WORLD.customer,
          text: 'we are evaluating other vendors before renewal',
          ts: tsIn(rng, t, WORLD.shared),
          channel: WORLD.shared,
          team: WORLD.customerTeam,
          user_team: WORLD.customerTeam,
        },
        true,
      ),
  },
  {
    name: 'reaction_added',
    kind: 'event',
    build: (rng, t) =>
      envelope({
        type: 'reaction_added',
        user: WORLD.csm,
        reaction: 'white_check_mark',
        item_user: WORLD.customer,
        item: { type: 'message', channel: WORLD.shared, ts: tsIn(rng, t, WORLD.shared) },
      }),
  },
  {
    name: 'reaction_removed',
    kind: 'event',
    build: (rng, t) =>
      envelope({
        type: 'reaction_removed',
        user: WORLD.csm,
        reaction: 'white_check_mark',
        item: { type: 'message', channel: WORLD.shared, ts: tsIn(rng, t, WORLD.shared) },
      }),
  },
  {
    name: 'app_home_opened',
    kind: 'event',
    build: (rng) =>
      envelope({
        type: 'app_home_opened',
        user: WORLD.member,
        channel: WORLD.dm,
        tab: pick(rng, ['home', 'messages']),
      }),
  },
  {
    name: 'channel_shared',
    kind: 'event',
    build: () => envelope({ type: 'channel_shared', connected_team_id: WORLD.customerTeam, channel: WORLD.shared }),
  },
  {
    name: 'channel_unshared',
    kind: 'event',
    build: () =>
      envelope({
        type: 'channel_unshared',
        previously_connected_team_id: 'T0GONE',
        channel: WORLD.shared,
        is_ext_shared: true,
      }),
  },
  ...(['escalation_acknowledge', 'escalation_take', 'escalation_not_strategic'] as const).map((actionId): Surface => ({
    name: `block_actions:${actionId}`,
    kind: 'interactive',
    build: (rng, t) => {
      const ts = tsIn(rng, t, WORLD.escalations);
      return click(WORLD.csm, WORLD.escalations, ts, {
        action_id: actionId,
        value: `${WORLD.internal}-${ts.replace('.', '_')}-complex`,
      });
    },
  })),
  {
    name: 'block_actions:digest_action_done',
    kind: 'interactive',
    build: (rng, t) =>
      click(WORLD.csm, WORLD.internal, tsIn(rng, t, WORLD.internal), {
        action_id: 'digest_action_done',
        value: JSON.stringify({ d: 'digest-C0SUPPORT-1', i: 0 }),
      }),
  },
  ...(['draft_post', 'draft_discard'] as const).map((actionId): Surface => ({
    name: `block_actions:${actionId}`,
    kind: 'interactive',
    build: (rng, t) =>
      click(WORLD.csm, WORLD.csmDm, tsIn(rng, t, WORLD.csmDm), {
        action_id: actionId,
        value: `draft-${WORLD.shared}-1700000000_000100`,
      }),
  })),
  {
    name: 'block_actions:luna_answer_feedback',
    kind: 'interactive',
    build: (rng, t) => {
      const ts = tsIn(rng, t, WORLD.internal);
      return click(WORLD.member, WORLD.internal, ts, {
        type: 'feedback_buttons',
        action_id: 'luna_answer_feedback',
        value: `${pick(rng, ['positive', 'negative'])}:answer-${WORLD.internal}-${ts.replace('.', '_')}`,
      });
    },
  },
  {
    name: 'block_actions:luna_feedback_reason',
    kind: 'interactive',
    build: (rng, t) =>
      click(
        WORLD.member,
        WORLD.internal,
        tsIn(rng, t, WORLD.internal),
        { action_id: 'luna_feedback_reason_wrong', value: `wrong:answer-${WORLD.internal}-1700000000_000100` },
        t.responseUrl,
      ),
  },
  {
    name: 'block_actions:home_refresh',
    kind: 'interactive',
    build: () => {
      const body = click(WORLD.member, WORLD.dm, '1700000000.000100', { action_id: 'home_refresh', value: 'refresh' });
      delete body.channel;
      delete body.message;
      return { ...body, container: { type: 'view', view_id: 'V0HOME' }, view: { id: 'V0HOME', type: 'home' } };
    },
  },
  {
    name: 'block_actions:csat_vote',
    kind: 'interactive',
    build: (rng, t) =>
      click(WORLD.customer, WORLD.shared, tsIn(rng, t, WORLD.shared), {
        action_id: `csat_vote_${1 + Math.floor(rng() * 5)}`,
        value: 'csat-C0ACMESHARED-1',
      }),
  },
  {
    name: 'block_actions:unknown',
    kind: 'interactive',
    build: (rng, t) =>
      click(WORLD.member, WORLD.internal, tsIn(rng, t, WORLD.internal), {
        action_id: 'renamed_in_an_upgrade',
        value: 'x',
      }),
  },
  {
    name: 'message_action:feedback_digest',
    kind: 'interactive',
    build: (rng, t) => {
      const ts = tsIn(rng, t, WORLD.internal);
      return {
        type: 'message_action',
        callback_id: 'feedback_digest',
        trigger_id: `9.9.${nowTs()}`,
        action_ts: nowTs(),
        team: { id: WORLD.team, domain: 'fake' },
        user: { id: WORLD.csm, team_id: WORLD.team },
        channel: { id: WORLD.internal, name: 'support' },
        message: { type: 'message', user: WORLD.member, ts, text: 'the export is slow' },
        response_url: t.responseUrl,
      };
    },
  },
  {
    name: 'shortcut:unknown',
    kind: 'interactive',
    build: () => ({
      type: 'shortcut',
      callback_id: 'gone_global_shortcut',
      trigger_id: '9.9.9',
      action_ts: nowTs(),
      team: { id: WORLD.team },
      user: { id: WORLD.member },
    }),
  },
  {
    name: 'view_submission',
    kind: 'interactive',
    build: () => ({
      type: 'view_submission',
      team: { id: WORLD.team },
      user: { id: WORLD.member, team_id: WORLD.team },
      trigger_id: '9.9.9',
      view: { id: 'V0MODAL', type: 'modal', callback_id: 'old_modal', state: { values: {} }, private_metadata: '' },
    }),
  },
  {
    name: 'view_closed',
    kind: 'interactive',
    build: () => ({
      type: 'view_closed',
      team: { id: WORLD.team },
      user: { id: WORLD.member },
      view: { id: 'V0MODAL', callback_id: 'old_modal' },
      is_cleared: false,
    }),
  },
  {
    name: '/journey-map',
    kind: 'command',
    build: (rng, t) => ({
      token: 'legacy',
      team_id: WORLD.team,
      team_domain: 'fake',
      channel_id: WORLD.internal,
      channel_name: 'support',
      user_id: WORLD.member,
      user_name: 'alice',
      command: '/journey-map',
      text: pick(rng, ['enterprise onboarding', '', 'help', 'Acme renewal']),
      api_app_id: 'A0LUNA',
      is_enterprise_install: 'false',
      response_url: t.responseUrl,
      trigger_id: `1750000000.1.${++counter}`,
    }),
  },
];
