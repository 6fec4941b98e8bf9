/**
 * A seeded generator of signed-request bodies over every surface LUNA serves, each mutated the way a buggy
 * proxy, a hand-made test request or a payload shape Slack introduces tomorrow would be: one to three fields
 * dropped, nulled, retyped, oversized or made of odd Unicode (markup in id fields included), plus wire
 * oddities (a JSON body sent as a form, `payload=` that is not JSON, a JSON primitive or `null` as the body).
 * The same seed always yields the same requests, so a failure can be replayed from the seed it prints.
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

/** The link a hostile id carries: it must never reach Slack as markup. */
export const HOSTILE_LINK = '<http://evil.example|click me>';

export interface FuzzRequest {
  /** Which of LUNA's surfaces the body started as (`app_mention`, `block_actions:draft_post`, `wire:null`…). */
  surface: string;
  /** What was done to it (`event.user: hostile`, `actions: retype`…); empty for an untouched body. */
  mutations: string[];
  body: string;
  contentType: 'json' | 'form';
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

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** Odd strings for a field: markup, invisible or bidirectional characters, a lone UTF-16 surrogate, … */
const ODD_STRINGS = [
  HOSTILE_LINK,
  '<!channel>',
  '<@U0LUNA|luna>',
  'C0LONE\udfff',
  'U0\ud800X',
  '\u202eNOTNALA',
  'U0AL\u200bICE',
  '1700000000.000100\u200b',
  '  ',
  '🙂🙂',
  'ĉàñ',
  '../../etc/passwd',
  '%00',
  '1700000000',
  'abc',
  '9999999999.999999',
] as const;

/** Keys that carry Slack ids, timestamps or values LUNA keys its work by: where a hostile value hurts most. */
const ID_KEY =
  /^(user|channel|team|user_team|source_team|id|ts|thread_ts|event_ts|action_ts|trigger_id|channel_id|user_id|team_id|value|action_id|callback_id|message_ts|text|command|type)$/;

/** Stand-ins spliced into the JSON text after serialising: values too deep to build as objects. */
const DEEP = '\u0000DEEP\u0000';

interface Mutation {
  name: string;
  apply(rng: Rng, parent: Obj | Json[], key: string | number): void;
}

function set(parent: Obj | Json[], key: string | number, value: Json): void {
  (parent as Record<string | number, Json>)[key] = value;
}

const MUTATIONS: Mutation[] = [
  {
    name: 'drop',
    apply: (_rng, parent, key) => {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    },
  },
  { name: 'null', apply: (_rng, parent, key) => set(parent, key, null) },
  {
    name: 'retype',
    apply: (rng, parent, key) => set(parent, key, pick<Json>(rng, [42, -1, 1.5e300, true, false, [], {}, '', ['x'], { id: 'U0ALICE' }, '42'])),
  },
  {
    name: 'oversize',
    apply: (rng, parent, key) => {
      const kind = pick(rng, ['string', 'array', 'deep'] as const);
      if (kind === 'string') set(parent, key, 'x'.repeat(100_000));
      else if (kind === 'array')
        set(
          parent,
          key,
          Array.from({ length: 5_000 }, () => ({ type: 'section', text: { type: 'mrkdwn', text: 'x' } })),
        );
      else set(parent, key, DEEP);
    },
  },
  {
    name: 'odd',
    apply: (rng, parent, key) => {
      const current = (parent as Record<string | number, Json>)[key];
      const odd = pick(rng, ODD_STRINGS);
      // Half the time the odd string replaces the value, half the time it joins a string value.
      set(parent, key, typeof current === 'string' && rng() < 0.5 ? `${current}${odd}` : odd);
    },
  },
  {
    name: 'proto',
    apply: (_rng, parent, key) => set(parent, key, JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as Json),
  },
];

/** Every (parent, key) in a body, with its dotted path. */
function slots(body: Json, path = ''): Array<{ path: string; parent: Obj | Json[]; key: string | number }> {
  const out: Array<{ path: string; parent: Obj | Json[]; key: string | number }> = [];
  if (Array.isArray(body)) {
    body.forEach((v, i) => {
      out.push({ path: `${path}${i}`, parent: body, key: i });
      out.push(...slots(v, `${path}${i}.`));
    });
  } else if (body !== null && typeof body === 'object') {
    for (const [k, v] of Object.entries(body)) {
      out.push({ path: `${path}${k}`, parent: body, key: k });
      out.push(...slots(v, `${path}${k}.`));
    }
  }
  return out;
}

/** One to three mutations, half of them on id-like fields. */
function mutate(rng: Rng, body: Obj): string[] {
  const done: string[] = [];
  const n = 1 + Math.floor(rng() * 3);
  for (let i = 0; i < n; i++) {
    const all = slots(body);
    if (all.length === 0) break;
    const ids = all.filter((s) => typeof s.key === 'string' && ID_KEY.test(s.key));
    const slot = pick(rng, ids.length > 0 && rng() < 0.5 ? ids : all);
    const m = pick(rng, MUTATIONS);
    m.apply(rng, slot.parent, slot.key);
    done.push(`${slot.path}: ${m.name}`);
  }
  return done;
}

// ── LUNA's surfaces, as Slack sends them ───────────────────────────────────────────────────────────────────

/** Ids and timestamps the requests carry are counted from here (reset per run), so a seed replays exactly. */
let counter = 0;
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
    authorizations: [{ enterprise_id: null, team_id: team, user_id: WORLD.bot, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: ext,
  };
}

function click(user: string, channel: string, ts: string, action: Obj, responseUrl?: string): Obj {
  const ephemeral = responseUrl !== undefined;
  const actionTs = nowTs();
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: user === WORLD.customer ? WORLD.customerTeam : WORLD.team },
    api_app_id: 'A0LUNA',
    token: 'legacy',
    trigger_id: `9.9.${actionTs}`,
    team: { id: WORLD.team, domain: 'fake' },
    container: { type: 'message', channel_id: channel, message_ts: ts, is_ephemeral: ephemeral },
    channel: { id: channel },
    ...(ephemeral ? { response_url: responseUrl } : { message: { ts } }),
    actions: [{ type: 'button', block_id: 'b', text: { type: 'plain_text', text: 'x' }, action_ts: actionTs, ...action }],
  };
}

type Surface = { name: string; kind: 'event' | 'interactive' | 'command'; build: (rng: Rng, t: Seeded) => Obj };

/** A message of the channel, or (half the time) one Slack never had: a job about it can never succeed. */
const tsIn = (rng: Rng, t: Seeded, channel: string) => (rng() < 0.5 ? nowTs() : pick(rng, t.threads[channel] ?? [nowTs()]));
const MENTION_TEXTS = ['<@U0LUNA> how do we cut onboarding churn?', '<@U0LUNA> digest', '<@U0LUNA> journey map enterprise onboarding', '<@U0LUNA>'];

const SURFACES: Surface[] = [
  {
    name: 'app_mention',
    kind: 'event',
    build: (rng, t) => {
      const ts = tsIn(rng, t, WORLD.internal);
      return envelope({ type: 'app_mention', user: WORLD.member, text: pick(rng, MENTION_TEXTS), ts, channel: WORLD.internal, team: WORLD.team });
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
    build: (rng) => envelope({ type: 'app_home_opened', user: WORLD.member, channel: WORLD.dm, tab: pick(rng, ['home', 'messages']) }),
  },
  { name: 'channel_shared', kind: 'event', build: () => envelope({ type: 'channel_shared', connected_team_id: WORLD.customerTeam, channel: WORLD.shared }) },
  {
    name: 'channel_unshared',
    kind: 'event',
    build: () => envelope({ type: 'channel_unshared', previously_connected_team_id: 'T0GONE', channel: WORLD.shared, is_ext_shared: true }),
  },
  ...(['escalation_acknowledge', 'escalation_take', 'escalation_not_strategic'] as const).map((actionId): Surface => ({
    name: `block_actions:${actionId}`,
    kind: 'interactive',
    build: (rng, t) => {
      const ts = tsIn(rng, t, WORLD.escalations);
      return click(WORLD.csm, WORLD.escalations, ts, { action_id: actionId, value: `${WORLD.internal}-${ts.replace('.', '_')}-complex` });
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
    build: (rng, t) => click(WORLD.csm, WORLD.csmDm, tsIn(rng, t, WORLD.csmDm), { action_id: actionId, value: `draft-${WORLD.shared}-1700000000_000100` }),
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
      click(WORLD.customer, WORLD.shared, tsIn(rng, t, WORLD.shared), { action_id: `csat_vote_${1 + Math.floor(rng() * 5)}`, value: 'csat-C0ACMESHARED-1' }),
  },
  {
    name: 'block_actions:unknown',
    kind: 'interactive',
    build: (rng, t) => click(WORLD.member, WORLD.internal, tsIn(rng, t, WORLD.internal), { action_id: 'renamed_in_an_upgrade', value: 'x' }),
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

/** Names of every surface, for a report that shows which were covered. */
export const SURFACE_NAMES = SURFACES.map((s) => s.name);

function serialise(body: Json): string {
  let text = JSON.stringify(body);
  // 100,000 levels: more than a naive recursive parser survives, within the 4 MB body limit.
  if (text.includes(JSON.stringify(DEEP))) text = text.split(JSON.stringify(DEEP)).join(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
  return text;
}

function encode(surface: Surface, body: Obj, rng: Rng): Pick<FuzzRequest, 'body' | 'contentType'> {
  if (surface.kind === 'event') return { body: serialise(body), contentType: 'json' };
  if (surface.kind === 'interactive') return { body: new URLSearchParams({ payload: serialise(body) }).toString(), contentType: 'form' };
  // A slash command is a form of strings: a mutated field is sent as its JSON text, a dropped one not at all,
  // and now and then a field comes twice (`text=a&text=b`, which a query-string parser turns into an array).
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) form.append(k, typeof v === 'string' ? v : serialise(v));
  if (rng() < 0.1) form.append('text', 'again');
  return { body: form.toString(), contentType: 'form' };
}

/** Bodies no Slack surface sends: the wire itself is odd. */
function wire(rng: Rng, threads: Seeded): FuzzRequest {
  const event = serialise(SURFACES[0]!.build(rng, threads));
  const cases: Array<[string, string, FuzzRequest['contentType']]> = [
    ['null', 'null', 'json'],
    ['payload=null', 'payload=null', 'form'],
    ['payload=5', 'payload=5', 'form'],
    ['payload=[]', 'payload=%5B%5D', 'form'],
    ['payload=not json', 'payload=%7Bnot%20json', 'form'],
    ['payload twice', `payload=${encodeURIComponent('{"type":"block_actions"}')}&payload=x`, 'form'],
    ['json as form', event, 'form'],
    ['form as json', 'command=%2Fjourney-map&text=x', 'json'],
    ['number', '42', 'json'],
    ['string', '"event_callback"', 'json'],
    ['true', 'true', 'json'],
    ['array', '[{"type":"event_callback"}]', 'json'],
    ['empty', '', 'json'],
    ['empty object', '{}', 'json'],
    ['no type', '{"event":{"type":"app_mention"}}', 'json'],
    ['event null', '{"type":"event_callback","event":null}', 'json'],
    ['event a string', '{"type":"event_callback","event":"app_mention"}', 'json'],
    ['url_verification', '{"type":"url_verification","challenge":null}', 'json'],
  ];
  const [name, body, contentType] = pick(rng, cases);
  return { surface: `wire:${name}`, mutations: [], body, contentType };
}

/**
 * The cases issue 23 found, first: each must get a fast 200 or 4xx, never kill LUNA, never leave a job running
 * and never put the hostile link in front of anyone.
 */
function knownCases(threads: Seeded): FuzzRequest[] {
  const rng = prng(23);
  const with_ = (surface: Surface, change: (b: Obj) => void, what: string): FuzzRequest => {
    const body = surface.build(rng, threads);
    change(body);
    return { surface: surface.name, mutations: [what], ...encode(surface, body, () => 0.5) };
  };
  const [mention, , customer] = SURFACES;
  const byName = (n: string) => SURFACES.find((s) => s.name === n)!;
  const reserved = { ...threads.reserved };
  // Each event case gets a message of its own (see Seeded).
  const ev = (b: Obj) => {
    const e = b.event as Obj;
    const own = reserved[e.channel as string]?.shift();
    if (own) e.ts = e.event_ts = own;
    return e;
  };
  return [
    { surface: 'wire:null', mutations: [], body: 'null', contentType: 'json' },
    { surface: 'wire:payload=null', mutations: [], body: 'payload=null', contentType: 'form' },
    with_(mention!, (b) => (ev(b).text = 42), 'event.text: retype'),
    with_(mention!, (b) => (ev(b).user = null), 'event.user: null'),
    with_(mention!, (b) => (ev(b).ts = 'abc'), 'event.ts: odd'),
    with_(mention!, (b) => (ev(b).channel = 'C0LONE\udfff'), 'event.channel: odd'),
    with_(customer!, (b) => (ev(b).user = HOSTILE_LINK), 'event.user: hostile'),
    with_(byName('/journey-map'), (b) => delete b.text, 'text: drop'),
    with_(byName('block_actions:draft_post'), (b) => (b.actions = { action_id: 'draft_post' }), 'actions: retype'),
    with_(byName('block_actions:luna_feedback_reason'), (b) => ((b.actions as Obj[])[0]!.action_id = null), 'actions.0.action_id: null'),
    with_(byName('block_actions:escalation_take'), (b) => ((b.actions as Obj[])[0]!.action_ts = 'x'.repeat(100_000)), 'actions.0.action_ts: oversize'),
    with_(byName('block_actions:unknown'), () => {}, 'an action LUNA no longer has'),
  ];
}

/**
 * `n` requests from `seed`: mutated surfaces, one in ten an oddity of the wire, and the known cases spread
 * evenly among them (so one that kills LUNA does not take the others in flight down with it).
 */
export function fuzzRequests(seed: number, n: number, world: Seeded): FuzzRequest[] {
  counter = 0;
  const rng = prng(seed);
  const known = knownCases(world).slice(0, n);
  const out: FuzzRequest[] = [];
  while (out.length < n - known.length) {
    if (rng() < 0.1) {
      out.push(wire(rng, world));
      continue;
    }
    const surface = pick(rng, SURFACES);
    const body = surface.build(rng, world);
    // One in twenty goes untouched: the same surface, as Slack sends it, in between the mutated ones.
    const mutations = rng() < 0.05 ? [] : mutate(rng, body);
    out.push({ surface: surface.name, mutations, ...encode(surface, body, rng) });
  }
  const gap = Math.floor(n / Math.max(1, known.length));
  known.forEach((k, i) => out.splice(i * gap, 0, k));
  return out;
}

/**
 * A request as Socket Mode would carry it: the envelope's type and its `payload` (the parsed body), or undefined
 * when it has no JSON form, or one too deep to be written again as a frame.
 */
export function asSocketEnvelope(r: FuzzRequest): { type: 'events_api' | 'interactive' | 'slash_commands'; payload: unknown } | undefined {
  const envelope = socketEnvelope(r);
  try {
    JSON.stringify(envelope);
    return envelope;
  } catch {
    return undefined;
  }
}

function socketEnvelope(r: FuzzRequest): { type: 'events_api' | 'interactive' | 'slash_commands'; payload: unknown } | undefined {
  if (r.contentType === 'json') {
    try {
      return { type: 'events_api', payload: JSON.parse(r.body) as unknown };
    } catch {
      return undefined;
    }
  }
  const form = new URLSearchParams(r.body);
  const payload = form.get('payload');
  if (payload === null) return { type: 'slash_commands', payload: Object.fromEntries(form) };
  try {
    return { type: 'interactive', payload: JSON.parse(payload) as unknown };
  } catch {
    return undefined;
  }
}
