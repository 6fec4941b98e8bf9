import { mention } from './slack-ids.js';

/**
 * Coordination handles the persona names (@sales, @marketing…) become real mentions when luna.config.yml
 * maps them; unmapped handles stay plain text. Code spans and blocks are left alone, and so are emails
 * and paths (`ops@acme.com`, `@scope/pkg`).
 */
export function applyHandles(markdown: string, handles: Record<string, string>): string {
  const names = Object.keys(handles);
  if (names.length === 0) return markdown;
  const byName = new Map(names.map((n) => [n.toLowerCase(), handles[n]!]));
  return markdown
    .split(/(```[\s\S]*?```|`[^`\n]*`)/)
    .map((chunk, i) =>
      i % 2 === 1
        ? chunk
        : chunk.replace(
            /(^|[\s(\[*_~>"'])@([a-z][\w-]*)\b(?![@/.\w-]*[@/]\w)/gi,
            (whole, lead: string, name: string) => {
              const id = byName.get(name.toLowerCase());
              return id ? `${lead}${mention(id)}` : whole;
            },
          ),
    )
    .join('');
}
