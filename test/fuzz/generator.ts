/**
 * A seeded generator of signed-request bodies over every surface LUNA serves, each mutated the way a buggy
 * proxy, a hand-made test request or a payload shape Slack introduces tomorrow would be: one to three fields
 * dropped, nulled, retyped, oversized or made of odd Unicode (markup in id fields included), plus wire
 * oddities (a JSON body sent as a form, `payload=` that is not JSON, a JSON primitive or `null` as the body).
 * The same seed always yields the same requests, so a failure can be replayed from the seed it prints.
 */

import {
  pick,
  prng,
  resetIds,
  SURFACES,
  type Json,
  type Obj,
  type Rng,
  type Seeded,
  type Surface,
} from './surfaces.js';

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
    apply: (rng, parent, key) =>
      set(parent, key, pick<Json>(rng, [42, -1, 1.5e300, true, false, [], {}, '', ['x'], { id: 'U0ALICE' }, '42'])),
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
    apply: (_rng, parent, key) =>
      set(
        parent,
        key,
        JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as Json,
      ),
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

function serialise(body: Json): string {
  let text = JSON.stringify(body);
  // 100,000 levels: more than a naive recursive parser survives, within the 4 MB body limit.
  if (text.includes(JSON.stringify(DEEP)))
    text = text.split(JSON.stringify(DEEP)).join(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
  return text;
}

function encode(surface: Surface, body: Obj, rng: Rng): Pick<FuzzRequest, 'body' | 'contentType'> {
  if (surface.kind === 'event') return { body: serialise(body), contentType: 'json' };
  if (surface.kind === 'interactive')
    return { body: new URLSearchParams({ payload: serialise(body) }).toString(), contentType: 'form' };
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
    with_(
      byName('block_actions:luna_feedback_reason'),
      (b) => ((b.actions as Obj[])[0]!.action_id = null),
      'actions.0.action_id: null',
    ),
    with_(
      byName('block_actions:escalation_take'),
      (b) => ((b.actions as Obj[])[0]!.action_ts = 'x'.repeat(100_000)),
      'actions.0.action_ts: oversize',
    ),
    with_(byName('block_actions:unknown'), () => {}, 'an action LUNA no longer has'),
  ];
}

/**
 * `n` requests from `seed`: mutated surfaces, one in ten an oddity of the wire, and the known cases spread
 * evenly among them (so one that kills LUNA does not take the others in flight down with it).
 */
export function fuzzRequests(seed: number, n: number, world: Seeded): FuzzRequest[] {
  resetIds();
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
export function asSocketEnvelope(
  r: FuzzRequest,
): { type: 'events_api' | 'interactive' | 'slash_commands'; payload: unknown } | undefined {
  const envelope = socketEnvelope(r);
  try {
    JSON.stringify(envelope);
    return envelope;
  } catch {
    return undefined;
  }
}

function socketEnvelope(
  r: FuzzRequest,
): { type: 'events_api' | 'interactive' | 'slash_commands'; payload: unknown } | undefined {
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
