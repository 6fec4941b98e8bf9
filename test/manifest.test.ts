import { readFileSync, readdirSync } from 'node:fs';
import { Ajv, type AnySchemaObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_SUGGESTED_PROMPTS } from '../src/personas/prompts.js';

/**
 * manifest.yml is checked twice: against Slack's published JSON Schema (test/fixtures/slack-manifest-schema,
 * copied from slackapi/manifest-schema, MIT), and against the product facts a Slack admin would notice breaking.
 * The schema alone is not enough: event names and scopes are free strings in it, so typos pass.
 */

const fixtures = new URL('./fixtures/slack-manifest-schema/', import.meta.url);
const readJson = (name: string): AnySchemaObject =>
  JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as AnySchemaObject;
const loadManifest = (): Manifest =>
  parse(readFileSync(new URL('../manifest.yml', import.meta.url), 'utf8')) as Manifest;

/** Bolt's default path; HTTP mode serves events, commands and interactivity on it (PRODUCT.md, HTTP). */
const REQUEST_URL = 'https://luna.example.com/slack/events';
/** Every event a listener handles, and why. */
const REQUIRED_EVENTS = [
  'app_mention', // @luna in a channel or thread
  'message.im', // direct messages
  'app_home_opened', // the App Home dashboard
  'channel_shared', // a channel became a customer channel: drop the cached audience
  'channel_unshared', // … or stopped being one
  'message.channels', // signals and customer requests: customers' messages in public customer channels, their edits and deletions, read without a mention (needs channels:history)
  'message.groups', // signals and customer requests: the same in private customer channels (needs groups:history)
  'reaction_added', // CSAT surveys: csat.resolvedReaction; customer requests: requestReaction, assignReaction, urgentReaction (needs reactions:read)
];

/** Every bot scope the code relies on, and why. */
const REQUIRED_BOT_SCOPES = [
  'app_mentions:read', // app_mention event
  'chat:write', // answers, digests, journey maps, escalation posts
  'channels:history', // conversations.replies/history in public channels: whole threads, scheduled digests; the message.channels event (signals)
  'groups:history', // … in private channels, and the message.groups event
  'im:history', // … in DMs, and the message.im event
  'mpim:history', // … in group DMs (LUNA can be @mentioned there)
  'channels:read', // conversations.info: Slack Connect detection (is_ext_shared), public channels
  'groups:read', // … private channels
  'im:read', // … DMs
  'mpim:read', // … group DMs: without it conversations.info fails where mpim:history lets LUNA answer
  'im:write', // conversations.open to DM an owner
  'reactions:write', // working indicator on the triggering message
  'reactions:read', // the reaction_added event: an internal member marking a customer thread resolved (CSAT surveys)
  'assistant:write', // assistant.threads.setSuggestedPrompts when the DM is opened (with features.agent_view)
  'commands', // /journey-map and the "Feedback digest" message shortcut
  'files:write', // journey-map PNG upload
  'users:read', // names and time zones of thread participants; tell people from bots
  'usergroups:read', // resolve user-group owners/handles (S…) and their members (usergroups.users.list: who may press an owner's button)
  'team:read', // team.info on a Slack Connect channel's other organisation: its name, for prompts and accounts
];

/** The published schema set: the root picks 1.0.0 or 2.0.0 by `_metadata.major_version`. */
function compileSchema(): ValidateFunction {
  // The schemas declare draft-07, Ajv's default draft. Strict mode stays on except where the published files
  // break it: they omit `type` beside object/array keywords and use union types (strictTypes), and the root
  // tests `not: { required: [major_version] }` (strictRequired).
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addFormats.default(ajv);
  // Two non-standard keywords: `_note` is a comment; `regex` (on background_color) is clearly meant as
  // `pattern`, so enforce it as one rather than letting a bad colour through.
  ajv.addKeyword({ keyword: '_note' });
  ajv.addKeyword({ keyword: 'regex', schemaType: 'string', macro: (regex: string) => ({ pattern: regex }) });
  const root = readJson('manifest.schema.json');
  // The root $refs the versioned files by their raw.githubusercontent.com URLs (they carry no $id): register
  // the local copies under exactly those URLs so nothing is fetched.
  const refs = JSON.stringify(root).match(/https:\/\/raw\.githubusercontent\.com\/[^"]+\.json/g) ?? [];
  const local = readdirSync(fixtures).filter((f) => /^manifest\.schema\.\d.*\.json$/.test(f));
  for (const url of new Set(refs)) {
    const file = local.find((f) => url.endsWith(`/${f}`));
    if (!file) throw new Error(`no local copy of ${url} in ${fixtures.pathname}`);
    ajv.addSchema(readJson(file), url);
  }
  return ajv.compile(root);
}

const validate = compileSchema();
const schemaErrors = (manifest: unknown): string[] =>
  validate(manifest) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);

/** The parts of a manifest the product checks read; the schema test vouches for the rest. */
interface Manifest {
  display_information: { name: string; background_color?: string };
  features: {
    app_home: { home_tab_enabled?: boolean; messages_tab_enabled?: boolean; messages_tab_read_only_enabled?: boolean };
    bot_user: { display_name: string; always_online?: boolean };
    agent_view?: { agent_description: string; suggested_prompts?: Array<{ title: string; message: string }> };
    assistant_view?: unknown;
    slash_commands: { command: string; url?: string; usage_hint?: string; should_escape?: boolean }[];
    shortcuts: { name: string; type: string; callback_id: string }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled?: boolean;
    org_deploy_enabled?: boolean;
    token_rotation_enabled?: boolean;
  };
}

const missingEvents = (m: Manifest): string[] =>
  REQUIRED_EVENTS.filter((e) => !m.settings.event_subscriptions.bot_events.includes(e));

describe('manifest.yml', () => {
  it("is valid against Slack's published manifest schema", () => {
    expect(schemaErrors(loadManifest())).toEqual([]);
  });

  it('subscribes to the events every surface needs', () => {
    const m = loadManifest();
    expect(missingEvents(m)).toEqual([]);
    expect(m.settings.event_subscriptions.request_url).toBe(REQUEST_URL);
  });

  it('declares /journey-map and the "Feedback digest" message shortcut', () => {
    const { features } = loadManifest();
    expect(features.slash_commands).toContainEqual(
      expect.objectContaining({ command: '/journey-map', url: REQUEST_URL, should_escape: false }),
    );
    expect(features.shortcuts).toContainEqual(
      expect.objectContaining({ name: 'Feedback digest', type: 'message', callback_id: 'feedback_digest' }),
    );
  });

  it('turns on interactivity, the home tab and DMs, in HTTP mode', () => {
    const { features, settings } = loadManifest();
    expect(settings.interactivity).toEqual({ is_enabled: true, request_url: REQUEST_URL });
    expect(features.app_home).toMatchObject({ home_tab_enabled: true, messages_tab_enabled: true });
    expect(features.app_home.messages_tab_read_only_enabled).not.toBe(true);
    expect(features.bot_user).toEqual({ display_name: 'LUNA', always_online: true });
    expect(settings).toMatchObject({
      socket_mode_enabled: false,
      org_deploy_enabled: false,
      token_rotation_enabled: false,
    });
  });

  it('requests every bot scope the code needs', () => {
    const m = loadManifest();
    const bot = m.oauth_config.scopes.bot;
    expect(REQUIRED_BOT_SCOPES.filter((s) => !bot.includes(s))).toEqual([]);
    // An unexplained extra scope is a question every installing admin asks: add it to the list above, with why.
    expect(bot.filter((s) => !REQUIRED_BOT_SCOPES.includes(s))).toEqual([]);
  });

  it('uses Slack’s agent view (not the legacy assistant view), with the prompts LUNA falls back on', () => {
    const { features } = loadManifest();
    expect(features.assistant_view).toBeUndefined();
    expect(features.agent_view?.agent_description).toBeTruthy();
    // Shown until LUNA sets the persona's own, and what LUNA sets for a persona that names none.
    expect(features.agent_view?.suggested_prompts).toEqual(DEFAULT_SUGGESTED_PROMPTS);
    // The agent experience reports the Messages tab through app_home_opened, and answers are threads in the DM.
    expect(loadManifest().settings.event_subscriptions.bot_events).toEqual(
      expect.arrayContaining(['app_home_opened', 'message.im']),
    );
  });
});

describe('the schema check is real', () => {
  // Each case names the path the error must point at, so an unrelated failure cannot pass for it.
  const broken: [string, string, (m: Manifest) => void][] = [
    [
      'a typo in a field name',
      '/settings/event_subscriptions',
      (m) => {
        const subs = m.settings.event_subscriptions as unknown as Record<string, unknown>;
        subs.bot_event = subs.bot_events;
        delete subs.bot_events;
      },
    ],
    [
      'a shortcut type Slack does not have',
      '/features/shortcuts/0/type',
      (m) => {
        m.features.shortcuts[0]!.type = 'messages';
      },
    ],
    [
      'a slash command without its slash',
      '/features/slash_commands/0/command',
      (m) => {
        m.features.slash_commands[0]!.command = 'journey-map';
      },
    ],
    [
      'more than four suggested prompts',
      '/features/agent_view/suggested_prompts',
      (m) => {
        const view = m.features.agent_view!;
        view.suggested_prompts = [...view.suggested_prompts!, ...view.suggested_prompts!];
      },
    ],
    [
      'the assistant view’s field name in the agent view',
      '/features/agent_view',
      (m) => {
        (m.features.agent_view as unknown as Record<string, unknown>).assistant_description = 'x';
      },
    ],
    [
      'a background colour that is not hex',
      '/display_information/background_color',
      (m) => {
        m.display_information.background_color = 'navy';
      },
    ],
  ];

  it.each(broken)('rejects %s', (_, path, breakIt) => {
    const m = loadManifest();
    breakIt(m);
    expect(schemaErrors(m)).toContainEqual(expect.stringMatching(new RegExp(`^${path} `)));
  });

  it('lets a typo in an event name through, which is why the product checks exist', () => {
    const m = loadManifest();
    m.settings.event_subscriptions.bot_events = m.settings.event_subscriptions.bot_events.map((e) =>
      e === 'app_mention' ? 'app_mentoin' : e,
    );
    expect(schemaErrors(m)).toEqual([]);
    expect(missingEvents(m)).toEqual(['app_mention']);
  });
});
