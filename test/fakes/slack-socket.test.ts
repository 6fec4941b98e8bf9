import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeSlack } from './slack-server.js';
import { frameText } from './slack-socket.js';

/** The fake's Socket Mode contract, spoken with a bare WebSocket so every frame is visible. */

let slack: FakeSlack;
const clients: WebSocket[] = [];
beforeEach(async () => {
  slack = await FakeSlack.start();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await slack.close();
});

const open = (token?: string) =>
  fetch(`${slack.url}apps.connections.open`, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
  }).then((r) => r.json() as Promise<{ ok: boolean; url?: string; error?: string }>);

/** Connects and resolves with the first message (hello), or rejects with the HTTP status of a refused upgrade. */
function connect(url: string): Promise<{ ws: WebSocket; hello: Record<string, unknown> }> {
  const ws = new WebSocket(url);
  clients.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve({ ws, hello: JSON.parse(frameText(data)) as Record<string, unknown> }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('FakeSlack Socket Mode', () => {
  it('opens connections for its app-level token only', async () => {
    expect(await open()).toMatchObject({ ok: false, error: 'not_authed' });
    expect(await open('xoxb-test')).toMatchObject({ ok: false, error: 'not_allowed_token_type' });
    expect(await open('xapp-wrong')).toMatchObject({ ok: false, error: 'invalid_auth' });
    const ok = await open('xapp-test');
    expect(ok.ok).toBe(true);
    expect(ok.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f]+&app_id=A0LUNA$/);
    expect(slack.callsTo('apps.connections.open')).toHaveLength(4);
  });

  it('says hello once per single-use ticket', async () => {
    const { url } = await open('xapp-test');
    const { hello } = await connect(url!);
    expect(hello).toMatchObject({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0LUNA' } });
    expect(hello.debug_info).toMatchObject({ approximate_connection_time: expect.any(Number) as unknown });
    await expect(connect(url!)).rejects.toThrow('HTTP 401');
    await expect(connect(url!.replace(/ticket=[0-9a-f]+/, 'ticket=forged'))).rejects.toThrow('HTTP 401');
    expect(slack.socket.connections).toBe(1);
  });

  it('delivers envelopes, times acks, answers pings and reports what it cannot read', async () => {
    const { ws } = await connect((await open('xapp-test')).url!);
    const received: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => {
      const env = JSON.parse(frameText(data)) as Record<string, unknown>;
      received.push(env);
      if (env.type === 'slash_commands')
        setTimeout(() => ws.send(JSON.stringify({ envelope_id: env.envelope_id, payload: { text: 'hi' } })), 50);
    });
    const ack = await slack.socket.send({ type: 'slash_commands', payload: { command: '/journey-map' } });
    expect(received[0]).toMatchObject({
      type: 'slash_commands',
      accepts_response_payload: true,
      retry_attempt: 0,
      retry_reason: '',
    });
    expect(ack).toMatchObject({ envelope_id: received[0]!.envelope_id, payload: { text: 'hi' } });
    expect(ack.ms).toBeGreaterThanOrEqual(40);

    // An envelope nobody acks fails the send, as Slack would give up on it and redeliver.
    await expect(slack.socket.send({ type: 'events_api', payload: {} }, 100)).rejects.toThrow(
      'not acked within 100 ms',
    );
    expect(received[1]).toMatchObject({ type: 'events_api', accepts_response_payload: false });

    const pong = new Promise<void>((resolve) => ws.once('pong', () => resolve()));
    ws.ping();
    await pong;
    expect(slack.socket.pings).toBe(1);

    ws.send('not json');
    await slack.waitFor(() => slack.errors.length === 1, 2_000, 'the unreadable message to be reported');
    expect(slack.socket.acks).toHaveLength(1);
  });

  it('drops open connections on close', async () => {
    const { ws } = await connect((await open('xapp-test')).url!);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await slack.close();
    expect(await closed).toBe(1006);
    slack = await FakeSlack.start(); // afterEach closes whatever is current
  });
});
