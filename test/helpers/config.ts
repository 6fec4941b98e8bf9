import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { loadSettings } from '../../src/config/load.js';
import { SettingsError } from '../../src/infra/errors.js';

/** The environment every config test starts from: the required variables and the project's personas. */
export const BASE_ENV = {
  SLACK_BOT_TOKEN: 'xoxb-1',
  SLACK_SIGNING_SECRET: 'secret',
  ANTHROPIC_API_KEY: 'sk-test',
  LUNA_PERSONAS_DIR: path.resolve('personas'),
};

/** Loads settings from a fresh folder holding `yaml` as luna.config.yml (none when undefined), as start-up does. */
export async function withConfig(yaml: string | undefined, env: Record<string, string | undefined> = BASE_ENV) {
  const dir = await mkdtemp(path.join(tmpdir(), 'luna-config-'));
  if (yaml !== undefined) await writeFile(path.join(dir, 'luna.config.yml'), yaml);
  return loadSettings({ ...env }, dir);
}

/** The `where: problem` lines of the SettingsError `p` rejects with; fails the test when it does not reject so. */
export async function problemsOf(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    return (err as SettingsError).problems.map((x) => `${x.where}: ${x.problem}`);
  }
  throw new Error('expected a SettingsError');
}
