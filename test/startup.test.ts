import { describe, expect, it } from 'vitest';
import { startChild } from './helpers/child.js';

/** What an operator sees when `npm start` runs without its environment: one clear line per problem. */
describe('start-up without settings', () => {
  it('exits 1 and names each missing variable on its own line', async () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', LUNA_PERSONAS_DIR: 'personas' };
    for (const k of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'ANTHROPIC_API_KEY', 'SLACK_APP_TOKEN', 'LUNA_CONFIG'])
      env[k] = '';
    const child = startChild(env);
    expect(await child.exited).toBe(1);
    const lines = child.output().trim().split('\n');
    expect(lines[0]).toBe('LUNA cannot start:');
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'ANTHROPIC_API_KEY']) {
      expect(lines.filter((l) => l.trim().startsWith(`${name}:`))).toHaveLength(1);
    }
    expect(lines).toHaveLength(4);
  });
});
