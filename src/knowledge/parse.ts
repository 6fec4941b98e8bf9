import path from 'node:path';
import { convert, type FormatCallback, type HtmlToTextOptions } from 'html-to-text';
import { Lexer, type Token } from 'marked';
import { readFrontmatter } from '../personas/frontmatter.js';
import type { Section } from '../domain/knowledge.js';

/**
 * Files and pages → title, link and sections along headings. Markdown goes through marked's lexer (frontmatter
 * through the persona reader, so `---js` never runs), HTML through html-to-text (navigation, headers, footers and
 * scripts dropped, tables kept as text), plain text as it is. Nothing here reads the disk or the network.
 */
export interface Parsed {
  title: string;
  /** A link the content itself names (Markdown frontmatter `url`, an HTML canonical link is not trusted). */
  url?: string | undefined;
  sections: Section[];
}

export type Format = 'markdown' | 'html' | 'text';

const FORMATS: Record<string, Format> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
  '.text': 'text',
};

/** The format a file name says, or undefined for files LUNA does not read (images, PDFs, dotfiles). */
export function formatOf(file: string): Format | undefined {
  if (path.basename(file).startsWith('.')) return undefined;
  return FORMATS[path.extname(file).toLowerCase()];
}

/** A title from a file name: `saml-setup.md` → `Saml setup`. */
export function titleFromName(file: string): string {
  const base = path.basename(file, path.extname(file)).replace(/[-_]+/g, ' ').trim();
  return base ? base[0]!.toUpperCase() + base.slice(1) : 'Untitled';
}

export function parseContent(format: Format, content: string, fallbackTitle: string): Parsed {
  if (format === 'markdown') return parseMarkdown(content, fallbackTitle);
  if (format === 'html') return parseHtml(content, fallbackTitle);
  return parseText(content, fallbackTitle);
}

export function parseMarkdown(content: string, fallbackTitle: string): Parsed {
  let body = content.replace(/\r\n?/g, '\n');
  let title: string | undefined;
  let url: string | undefined;
  if (/^---/.test(body)) {
    const fm = readFrontmatter(body);
    if (fm.ok) {
      body = fm.body;
      if (typeof fm.data.title === 'string' && fm.data.title.trim()) title = fm.data.title.trim();
      if (typeof fm.data.url === 'string' && /^https?:\/\//.test(fm.data.url.trim())) url = fm.data.url.trim();
    }
  }
  const sections: Section[] = [];
  let headings: string[] = [];
  let depths: number[] = [];
  let parts: string[] = [];
  let sawTitle = false;
  const flush = () => {
    const text = parts.join('\n\n').trim();
    if (text) sections.push({ headings, text });
    parts = [];
  };
  for (const token of new Lexer().lex(body) as Token[]) {
    if (token.type === 'heading') {
      const text = (token.text as string).trim();
      // The document's first top-level heading names the article: its title (unless the frontmatter gave one).
      if (token.depth === 1 && !sawTitle && sections.length === 0 && parts.length === 0) {
        sawTitle = true;
        title ??= text;
        continue;
      }
      flush();
      const keep = depths.findIndex((d) => d >= (token.depth as number));
      if (keep >= 0) {
        headings = headings.slice(0, keep);
        depths = depths.slice(0, keep);
      }
      headings = [...headings, text];
      depths = [...depths, token.depth as number];
      continue;
    }
    if (token.type === 'space' || token.type === 'hr') continue;
    const raw = token.raw.trim();
    if (raw) parts.push(raw);
  }
  flush();
  return { title: title ?? fallbackTitle, url, sections };
}

/** A heading becomes a line only this module writes (a control character cannot occur in converted text). */
const MARK = '\u0001H';

const heading: FormatCallback = (elem, walk, builder, options) => {
  builder.openBlock({ leadingLineBreaks: 2 });
  builder.addLiteral(`${MARK}${String(options.level ?? 2)} `);
  walk(elem.children, builder);
  builder.closeBlock({ trailingLineBreaks: 2 });
};

const DROP = [
  'nav',
  'header',
  'footer',
  'aside',
  'script',
  'style',
  'noscript',
  'form',
  'button',
  'svg',
  'iframe',
  '[role=navigation]',
  '[aria-hidden=true]',
];

const HTML_OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  formatters: { luna_heading: heading },
  selectors: [
    ...DROP.map((selector) => ({ selector, format: 'skip' })),
    ...[1, 2, 3, 4, 5, 6].map((level) => ({ selector: `h${level}`, format: 'luna_heading', options: { level } })),
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
  ],
};
const TITLE_OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  baseElements: { selectors: ['title'], returnDomByDefault: false },
};

export function parseHtml(content: string, fallbackTitle: string): Parsed {
  const text = convert(content, HTML_OPTIONS);
  const pageTitle = convert(content, TITLE_OPTIONS).trim();
  const sections: Section[] = [];
  let headings: string[] = [];
  let depths: number[] = [];
  let parts: string[] = [];
  let title: string | undefined;
  const flush = () => {
    const body = parts.join('\n').trim();
    if (body) sections.push({ headings, text: body.replace(/\n{3,}/g, '\n\n') });
    parts = [];
  };
  for (const line of text.split('\n')) {
    if (!line.startsWith(MARK)) {
      parts.push(line);
      continue;
    }
    const depth = Number(line.slice(MARK.length, MARK.length + 1));
    const name = line.slice(MARK.length + 2).trim();
    if (depth === 1 && title === undefined && sections.length === 0 && !parts.join('').trim()) {
      title = name;
      parts = [];
      continue;
    }
    flush();
    const keep = depths.findIndex((d) => d >= depth);
    if (keep >= 0) {
      headings = headings.slice(0, keep);
      depths = depths.slice(0, keep);
    }
    headings = [...headings, name];
    depths = [...depths, depth];
  }
  flush();
  // A help centre's <title> is often "Article — Brand Help Center": the article's own <h1> is the better name.
  return { title: title || pageTitle || fallbackTitle, sections };
}

export function parseText(content: string, fallbackTitle: string): Parsed {
  const text = content.replace(/\r\n?/g, '\n').trim();
  const first = text.split('\n', 1)[0]?.trim() ?? '';
  // A short first line followed by a blank line reads as the title, as in most exported notes.
  const titled = first.length > 0 && first.length <= 120 && /^[^\n]*\n\s*\n/.test(text);
  const body = titled ? text.slice(first.length).trim() : text;
  return { title: titled ? first : fallbackTitle, sections: body ? [{ headings: [], text: body }] : [] };
}
