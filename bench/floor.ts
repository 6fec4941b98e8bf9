/**
 * The floor: a bare Bolt app, out of the box, whose mention listener does nothing. Whatever LUNA adds to
 * the ack beyond this is LUNA's cost. Same environment variables as LUNA; prints its port like LUNA does.
 */
import { App, LogLevel } from '@slack/bolt';
import type { AddressInfo } from 'node:net';

const app = new App({
  token: process.env.SLACK_BOT_TOKEN!,
  signingSecret: process.env.SLACK_SIGNING_SECRET!,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL! },
  logLevel: LogLevel.ERROR,
});
app.event('app_mention', async () => {});
const server = await app.start(Number(process.env.PORT ?? 0));
const { port } = server.address() as AddressInfo;
console.log(JSON.stringify({ msg: 'bare Bolt started', role: 'bare-bolt', port }));
process.on('SIGTERM', () => void app.stop().finally(() => process.exit(0)));
