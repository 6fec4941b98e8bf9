import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CHUNK_CHARS, chunkDocument } from '../../src/knowledge/chunk.js';
import { linkFor } from '../../src/knowledge/folder.js';
import { formatOf, parseHtml, parseMarkdown, parseText } from '../../src/knowledge/parse.js';

const CORPUS = 'test/fixtures/knowledge/corpus';

describe('knowledge sources: reading files', () => {
  it('Markdown: frontmatter title and url are honoured, sections follow the headings', async () => {
    const md = parseMarkdown(await readFile(`${CORPUS}/sso/saml-setup.md`, 'utf8'), 'fallback');
    expect(md.title).toBe('Setting up SAML single sign-on');
    expect(md.url).toBe('https://help.tallyboard.example/sso/saml');
    const okta = md.sections.find((s) => s.headings.at(-1) === 'Okta');
    expect(okta?.text).toContain('https://app.tallyboard.example/saml/acs');
    expect(md.sections.map((s) => s.headings)).toContainEqual(['Microsoft Entra ID']);
  });

  it('Markdown without frontmatter takes its first heading as title; nested headings make a path', () => {
    const md = parseMarkdown(
      '# Exports\n\nIntro.\n\n## Limits\n\nOne.\n\n### Rows\n\nMillion.\n\n## Formats\n\nCSV.',
      'fallback',
    );
    expect(md.title).toBe('Exports');
    expect(md.sections.map((s) => s.headings)).toEqual([[], ['Limits'], ['Limits', 'Rows'], ['Formats']]);
  });

  it('frontmatter can never run code: a ---js block is not evaluated', () => {
    const g = globalThis as { lunaKnowledgePwned?: boolean };
    const md = parseMarkdown(
      '---js\n{ title: (function(){ globalThis.lunaKnowledgePwned = true; return "x" })() }\n---\n# Safe\n\nBody.',
      'fallback',
    );
    expect(g.lunaKnowledgePwned).toBeUndefined();
    expect(md.title).not.toBe('x');
  });

  it('HTML help-centre export: the article only — no navigation, header, footer or script — and tables as text', async () => {
    const html = parseHtml(await readFile(`${CORPUS}/help-centre/api-rate-limits.html`, 'utf8'), 'fallback');
    expect(html.title).toBe('API rate limits');
    const all = html.sections.map((s) => s.text).join('\n');
    expect(all).not.toMatch(/Search articles|Contact sales|analytics|Tallyboard Help Center|Billing\s+Exports/);
    expect(all).not.toMatch(/<\w+/);
    expect(all).toMatch(/Enterprise\s+3000/);
    expect(html.sections.find((s) => s.headings.includes('When you hit the limit'))?.text).toContain(
      '429 Too Many Requests',
    );
  });

  it('plain text: a short first line is the title', async () => {
    const txt = parseText(await readFile(`${CORPUS}/notes/account-locked.txt`, 'utf8'), 'fallback');
    expect(txt.title).toBe('Account locked after failed logins');
    expect(txt.sections[0]?.text).toMatch(/^After 10 failed password attempts/);
    expect(parseText('no title here, just one long line of text that goes on', 'Name').title).toBe('Name');
  });

  it('reads only Markdown, HTML and text files', () => {
    expect(['a.md', 'b.HTML', 'c.txt', 'd.pdf', 'e.png', '.hidden.md'].map((f) => formatOf(f) ?? null)).toEqual([
      'markdown',
      'html',
      'text',
      null,
      null,
      null,
    ]);
  });

  it('links a file without its own url to the base + its path', () => {
    expect(linkFor('https://docs.example.com', 'billing/refunds.md')).toBe('https://docs.example.com/billing/refunds');
    expect(linkFor('https://docs.example.com/help/', 'Getting Started.html')).toBe(
      'https://docs.example.com/help/Getting%20Started',
    );
  });
});

describe('knowledge chunks', () => {
  it('a long section becomes passages of a few hundred tokens, each with title and heading path as context', () => {
    const paragraph = (n: number) =>
      (`Paragraph ${n}. ` + 'Exports split large tables into numbered files. '.repeat(8)).trim();
    const text = Array.from({ length: 12 }, (_, i) => paragraph(i)).join('\n\n');
    const chunks = chunkDocument({
      id: 'file:x',
      origin: 'path:./k',
      title: 'Exports',
      sections: [{ headings: ['Limits', 'Rows'], text }],
    });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(CHUNK_CHARS);
      expect(c.context).toBe('Exports › Limits › Rows');
      expect(c.text).toMatch(/^Paragraph \d+\./); // cut between paragraphs, not mid-sentence
    }
    expect(chunks.map((c) => c.text).join('\n\n')).toBe(text);
  });

  it('a resolved request keeps its account on every chunk', () => {
    const chunks = chunkDocument({
      id: 'request:1',
      origin: 'requests',
      title: 'Acme: export',
      account: 't-T0ACME',
      sections: [{ headings: ['Answer'], text: 'Use the API.' }],
    });
    expect(chunks.every((c) => c.account === 't-T0ACME')).toBe(true);
  });
});
