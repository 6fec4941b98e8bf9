/** Reading facts out of a persona's Markdown body: prose lines, coordination handles, the refusal template. */

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The body's lines with fenced code blocks blanked (line numbers kept), so an example inside ``` is never
 * read as a heading, a handle or a template.
 */
export function proseLines(markdown: string): string[] {
  const lines = markdown.split(/\r?\n/);
  let fence: string | undefined;
  return lines.map((line) => {
    const marker = FENCE.exec(line)?.[1];
    if (fence === undefined) {
      if (marker === undefined) return line;
      fence = marker;
      return '';
    }
    // A fence closes with the same character, at least as long as the one that opened it.
    if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    return '';
  });
}

/** Slack broadcasts: never coordination handles, even when the persona names them to forbid them. */
const BROADCASTS = new Set(['channel', 'here', 'everyone']);

// Not after a word character, dot, `<` or `@`: that leaves out e-mail addresses and Slack's `<@U123>` mentions.
const HANDLE = /(?<![\w.<@+-])@([A-Za-z][\w-]*)/g;

/**
 * Coordination handles the body names as `@word` (lower-cased, unique, in order of first mention). `self`
 * holds the persona's own names, which are not someone to coordinate with.
 */
export function extractHandles(body: string, self: readonly string[] = []): string[] {
  const skip = new Set([...BROADCASTS, ...self.map((s) => s.toLowerCase())]);
  const found = new Set<string>();
  for (const line of proseLines(body)) {
    for (const match of line.matchAll(HANDLE)) {
      const next = line.slice(match.index + match[0].length, match.index + match[0].length + 2);
      // `@acme.com` (a domain) and `@scope/package` are not handles; `@sales.` at a sentence end is.
      if (next.startsWith('/') || /^\.\w/.test(next)) continue;
      const handle = (match[1] ?? '').replace(/[-_]+$/, '').toLowerCase();
      if (handle !== '' && !skip.has(handle)) found.add(handle);
    }
  }
  return [...found];
}

const QUOTED_REFUSAL = /["“`]\s*(NOT MY SCOPE\b[^"”`\n]*?)\s*["”`]/;
const LINE_PREFIX = /^\s*(?:>\s*)*(?:(?:[-*+]|\d+[.)])\s+)?(?:\*\*|__)?["“`]?/;
const LINE_SUFFIX = /["”`]?\s*(?:\*\*|__)?\s*$/;

/**
 * The NOT MY SCOPE template: a quoted "NOT MY SCOPE…" wins (that is how persona files spell out the exact
 * answer); otherwise the first line that starts with NOT MY SCOPE.
 */
export function extractRefusal(body: string): string | undefined {
  const lines = proseLines(body);
  for (const line of lines) {
    const quoted = QUOTED_REFUSAL.exec(line)?.[1];
    if (quoted) return quoted.trim();
  }
  for (const line of lines) {
    const rest = line.replace(LINE_PREFIX, '');
    if (/^NOT MY SCOPE\b/.test(rest)) return rest.replace(LINE_SUFFIX, '').trim();
  }
  return undefined;
}
