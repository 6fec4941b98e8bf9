import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JOURNEY_USAGE } from '../../src/render/journey-blocks.js';
import { startHarness, SIGNING_SECRET, type Harness } from '../helpers/harness.js';
import { decodePng } from '../helpers/png.js';
import { signedRequest, slashCommandForm } from '../helpers/slack-sign.js';
import { acmeMap } from '../fixtures/journey/maps.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.slack.addChannel({ id: 'C0SUPPORT', name: 'support' });
});
afterEach(async () => {
  await h.stop();
});

function command(fields: Record<string, string>) {
  return signedRequest(h.eventsUrl, slashCommandForm(fields), { signingSecret: SIGNING_SECRET });
}

/** Until `n` jobs have completed or failed for good. */
async function settled(n = 1) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const c = await h.luna.queue.getJobCounts('completed', 'failed');
    if ((c.completed ?? 0) + (c.failed ?? 0) >= n) return c;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`expected ${n} finished jobs`);
}

const okCalls = (method: string) => h.slack.callsTo(method).filter((c) => c.response?.ok === true);
const completedUploads = (ext: string) =>
  [...h.slack.uploads.values()].filter((u) => u.completed && u.filename.endsWith(ext));

describe('/journey-map over the wire', () => {
  it('acks at once with an ephemeral, then posts valid Block Kit and uploads the PNG and Mermaid into the map’s thread', async () => {
    h.anthropic.enqueue({ text: JSON.stringify(acmeMap()) });
    const sent = Date.now();
    const res = await command({ text: 'Acme Corp onboarding to renewal' });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(1000);
    expect(JSON.parse(res.body)).toEqual({
      response_type: 'ephemeral',
      text: ':world_map: Building your journey map for *Acme Corp onboarding to renewal*… it usually takes under a minute.',
    });

    const complete = await h.slack.waitForCall('files.completeUploadExternal', (c) => c.response?.ok === true, 15_000);
    const [post, ...more] = okCalls('chat.postMessage');
    expect(more).toHaveLength(0);
    expect(post!.args).toMatchObject({
      channel: 'C0SUPPORT',
      text: 'Journey map: Acme Corp: from signed contract to renewal and advocacy',
    });
    expect(post!.args.thread_ts).toBeUndefined();
    expect((post!.args.blocks as unknown[]).length).toBe(2 + 2 * 5 + 4); // and accepted by the fake's Block Kit validation
    const mapTs = post!.response!.ts as string;

    // The three-step upload, in order, into the map message's thread.
    const fileCalls = h.slack.calls.filter((c) => c.method.startsWith('files.')).map((c) => c.method);
    expect(fileCalls).toEqual([
      'files.getUploadURLExternal',
      'files.getUploadURLExternal',
      'files.completeUploadExternal',
    ]);
    expect(complete.args).toMatchObject({ channel_id: 'C0SUPPORT', thread_ts: mapTs });
    const [png] = completedUploads('.png');
    expect(png).toMatchObject({ channel: 'C0SUPPORT', threadTs: mapTs, uploaded: true });
    expect(png!.filename).toMatch(/^acme-corp-from-signed-contract-to-journey-map-[0-9a-f]{8}\.png$/);
    const img = decodePng(png!.bytes);
    expect(img.width).toBe(1600);
    expect(img.height).toBeGreaterThan(1000);
    const [mmd] = completedUploads('.mmd');
    expect(mmd!.bytes.toString('utf8')).toMatch(/^journey\n {2}title Acme Corp - from signed contract/);
    expect(h.slack.thread('C0SUPPORT', mapTs).some((m) => (m as { files?: unknown[] }).files?.length === 2)).toBe(true);

    const req = h.anthropic.requests[0]!.body;
    expect(req.output_config!.format!.type).toBe('json_schema');
    const system = req.system as Array<{ cache_control?: unknown }>;
    expect(system[0]!.cache_control).toEqual({ type: 'ephemeral' });
    expect(JSON.stringify(req.messages)).toContain(
      'Map this customer, segment or scenario: Acme Corp onboarding to renewal',
    );
    expect(complete.at - sent).toBeLessThan(5_000); // command to picture, fake model answering at once
  });

  it('answers an empty command or `help` with usage, and queues nothing', async () => {
    for (const text of ['', 'help', '  HELP ']) {
      const res = await command({ text });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ response_type: 'ephemeral', text: JOURNEY_USAGE });
    }
    const counts = await h.luna.queue.getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('asks once more when the model’s map breaks the schema, then tells the user clearly', async () => {
    const twoStages = { ...acmeMap(), stages: acmeMap().stages.slice(0, 2) };
    h.anthropic.enqueue({ text: JSON.stringify(twoStages) }, { text: '{"actor": "Acme", "scenario": ' });
    const responseUrl = h.slack.responseUrl();
    await command({ text: 'Acme', response_url: responseUrl });
    await h.slack.waitFor(() => h.slack.responseUrlPosts.length > 0, 15_000, 'a response_url post');
    await settled();
    expect(h.anthropic.requests).toHaveLength(2); // one corrective retry, and no job-level retries after it
    const retry = JSON.stringify(h.anthropic.requests[1]!.body.messages);
    expect(retry).toContain('did not match the required schema');
    expect(retry).toContain('stages');
    expect(h.slack.responseUrlPosts[0]!.body).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: ":warning: I couldn't build a journey map for “Acme”: the AI's answer did not fit the map's structure, even after a second try. Try again with a more specific customer, segment or scenario.",
    });
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(h.slack.callsTo('files.getUploadURLExternal')).toHaveLength(0);
  });

  it('posts the map and the picture once when the job is retried after posting the map and after a lost upload response', async () => {
    h.anthropic.enqueue({ text: JSON.stringify(acmeMap()) });
    h.slack.failNext('files.getUploadURLExternal', { error: 'internal_error' }); // attempt 1: map posted, then fails
    h.slack.failNext('files.completeUploadExternal', { error: 'internal_error', applied: true }); // attempt 2: shared, answer lost
    await command({ text: 'Acme' });
    const counts = await settled();
    expect(counts.completed).toBe(1);
    expect(okCalls('chat.postMessage')).toHaveLength(1);
    expect(completedUploads('.png')).toHaveLength(1);
    const mapTs = okCalls('chat.postMessage')[0]!.response!.ts as string;
    expect(h.slack.thread('C0SUPPORT', mapTs).filter((m) => (m as { files?: unknown[] }).files)).toHaveLength(1);
    expect(h.anthropic.requests).toHaveLength(1); // the stored map is reused, not asked for again
  });

  it('finds its own map in the channel when Slack posted it but the answer was lost', async () => {
    h.anthropic.enqueue({ text: JSON.stringify(acmeMap()) });
    h.slack.failNext('chat.postMessage', { error: 'internal_error', applied: true });
    await command({ text: 'Acme' });
    expect((await settled()).completed).toBe(1);
    const maps = h.slack
      .botMessages('C0SUPPORT')
      .filter((m) => (m.metadata?.event_payload as { part?: string })?.part === 'map');
    expect(maps).toHaveLength(1);
    expect(completedUploads('.png')[0]!.threadTs).toBe(maps[0]!.ts);
  });

  it('tells the user privately when it cannot post in the channel', async () => {
    h.anthropic.enqueue({ text: JSON.stringify(acmeMap()) });
    const responseUrl = h.slack.responseUrl();
    await command({ text: 'Acme', channel_id: 'C0PRIVATE', response_url: responseUrl });
    await h.slack.waitFor(() => h.slack.responseUrlPosts.length > 0, 15_000, 'a response_url post');
    expect((h.slack.responseUrlPosts[0]!.body as { text: string }).text).toContain('invite me to this channel');
    await settled();
    // LUNA asks who can read the channel before it asks the model, so a channel it cannot reach costs no model call.
    expect(h.anthropic.requests).toHaveLength(0);
  });
});

describe('@luna journey map in a thread', () => {
  it('uses the thread as evidence and posts the map and the picture in that thread, after one corrected answer', async () => {
    h.slack.addChannel({ id: 'C0CS', name: 'cs' });
    const root = h.slack.addMessage('C0CS', {
      user: 'U0BOB',
      text: 'Brightwave: weekly actives fell from 120 to 70 after their reorg.',
    });
    h.slack.addMessage('C0CS', {
      user: 'U0CAROL',
      text: 'Their new ops lead never finished onboarding.',
      thread_ts: root,
    });
    h.anthropic.enqueue({ text: JSON.stringify({ actor: 'Brightwave' }) }, { text: JSON.stringify(acmeMap()) });
    const res = await h.mention({ channel: 'C0CS', threadTs: root, text: '<@U0LUNA> journey map Brightwave' });
    expect(res.status).toBe(200);

    const complete = await h.slack.waitForCall('files.completeUploadExternal', (c) => c.response?.ok === true, 15_000);
    expect(complete.args).toMatchObject({ channel_id: 'C0CS', thread_ts: root });
    const maps = h.slack
      .botMessages('C0CS', root)
      .filter((m) => (m.metadata?.event_payload as { part?: string })?.part === 'map');
    expect(maps).toHaveLength(1);
    expect(maps[0]!.blocks?.length).toBeGreaterThan(5);
    expect(
      h.slack.ephemerals.some(
        (e) => e.channel === 'C0CS' && e.user === 'U0ALICE' && e.text.includes('Building your journey map'),
      ),
    ).toBe(true);
    const prompt = JSON.stringify(h.anthropic.requests[0]!.body.messages);
    expect(prompt).toContain('weekly actives fell from 120 to 70');
    expect(prompt).toContain('never finished onboarding');
    expect(prompt).toContain('Map this customer, segment or scenario: Brightwave');
    expect(h.anthropic.requests).toHaveLength(2);
    expect(JSON.stringify(h.anthropic.requests[1]!.body.messages)).toContain('did not match the required schema');
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts !== root)).toHaveLength(0);
  });

  it('explains usage in the thread when there is nothing to map, without asking the model', async () => {
    const res = await h.mention({ text: '<@U0LUNA> journey map' });
    await settled();
    expect(h.slack.botMessages('C0SUPPORT', res.ts).map((m) => m.text)).toEqual([JOURNEY_USAGE]);
    expect(h.anthropic.requests).toHaveLength(0);
  });
});
