import { describe, expect, it } from 'vitest';
import { problemsOf, withConfig } from '../helpers/config.js';

const load = (yaml: string) => withConfig(yaml);
const problems = (yaml: string) => problemsOf(withConfig(yaml));

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
