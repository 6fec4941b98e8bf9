import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load.js';
import { SettingsError } from '../../src/infra/errors.js';

const ENV = {
  SLACK_BOT_TOKEN: 'xoxb-1',
  SLACK_SIGNING_SECRET: 'secret',
  ANTHROPIC_API_KEY: 'sk-test',
  LUNA_PERSONAS_DIR: path.resolve('personas'),
};

async function load(yaml: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'luna-knowledge-config-'));
  await writeFile(path.join(dir, 'luna.config.yml'), yaml);
  return loadSettings({ ...ENV }, dir);
}

async function problems(yaml: string): Promise<string[]> {
  try {
    await load(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    return (err as SettingsError).problems.map((p) => `${p.where}: ${p.problem}`);
  }
  throw new Error('expected a SettingsError');
}

/** PRODUCT.md's example, as a CS lead would paste it. */
const EXAMPLE = `
knowledge:
  sources:
    - path: ./knowledge                 # Markdown, HTML (a help-centre export) and text files, re-read when they change
      url: https://docs.example.com     # a file's link when its frontmatter names no url
    - sitemap: https://docs.example.com/sitemap.xml   # pages fetched over HTTP(S)
  refreshHours: 24
  resolvedRequests: true
  customerAnswersNeedSources: true
`;

describe('luna.config.yml: knowledge', () => {
  it('reads PRODUCT.md’s example', async () => {
    expect((await load(EXAMPLE)).workspace.knowledge).toEqual({
      sources: [
        { path: './knowledge', url: 'https://docs.example.com' },
        { sitemap: 'https://docs.example.com/sitemap.xml' },
      ],
      refreshHours: 24,
      resolvedRequests: true,
      customerAnswersNeedSources: true,
    });
  });

  it('defaults: no sources, a daily refresh, resolved requests as knowledge, sources needed where customers read', async () => {
    expect((await load('persona: luna\n')).workspace.knowledge).toEqual({
      sources: [],
      refreshHours: 24,
      resolvedRequests: true,
      customerAnswersNeedSources: true,
    });
  });

  it('says what is wrong with a source, and where', async () => {
    const found = await problems(`
knowledge:
  sources:
    - path: ./kb
      sitemap: https://x.example/sitemap.xml
    - url: https://docs.example.com
    - sitemap: ftp://x.example/sitemap.xml
    - path: ./kb
      folder: yes
    - path: ./a
    - path: ./a
  refreshHours: 0
  customerAnswersNeedSources: sometimes
  extra: 1
`);
    const where = (f: string) => found.filter((p) => p.startsWith(`luna.config.yml: knowledge.${f}:`));
    expect(where('sources[0]')).toEqual([expect.stringMatching(/names both path and sitemap/)]);
    expect(where('sources[1]')).toEqual([expect.stringMatching(/names neither path nor sitemap/)]);
    expect(where('sources[2].sitemap')).toEqual([expect.stringMatching(/starting with http:\/\/ or https:\/\//)]);
    expect(where('sources[3]')).toEqual([expect.stringMatching(/unknown field folder/)]);
    expect(where('refreshHours')).toEqual([expect.stringMatching(/more than 0 hours/)]);
    expect(where('customerAnswersNeedSources')).toEqual([expect.stringMatching(/true or false/)]);
    expect(found).toContainEqual(expect.stringMatching(/knowledge: unknown field extra/));
  });
});
