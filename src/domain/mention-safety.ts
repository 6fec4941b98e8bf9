import { mention } from './slack-ids.js';

/**
 * Mention safety: nothing the model writes (or repeats from a thread) may broadcast or tag someone the
 * workspace did not allow. Every spelling that could turn into a notification — entity-encoded, full-width,
 * with invisible characters, upper-case, nested, unterminated, broken over a line — is rewritten to inert
 * text; allowed mentions are rebuilt in canonical form so Slack still renders them.
 */

export interface MentionPolicy {
  /** User IDs (`U…`/`W…`) that may be tagged. */
  users: ReadonlySet<string>;
  /** User-group IDs (`S…`) that may be tagged. */
  groups: ReadonlySet<string>;
}

export interface SafetyReport {
  /** The raw tokens that were neutralised, for logs and metrics. */
  removed: string[];
}

export interface SafeText extends SafetyReport {
  text: string;
}

/** ASCII with no entity: what a reader sees is exactly the text. */
const PLAIN_ASCII = /^[\x00-\x25\x27-\x7f]*$/;
/** ASCII with no `<`, `@` or `&`: nothing in it can be or become a mention. */
const INERT_ASCII = /^[\x00-\x25\x27-\x3b\x3d-\x3f\x41-\x7f]*$/;
/** "@" + word joiner: reads as "@channel", yet no Slack parser (not even `link_names`) sees a mention in it. */
const INERT_AT = '@\u2060';
/** Words that notify when written bare and `link_names` is on; `<!group>` is the legacy `<!channel>`. */
const BARE_BROADCASTS = new Set(['channel', 'here', 'everyone']);
const BROADCASTS = new Set([...BARE_BROADCASTS, 'group']);

// These run on the reader's view of the text (see `view`), so they need no entity or look-alike variants.
/** `<…>` with no bracket inside, so the innermost of nested brackets is found first; it may span lines. */
const BRACKETED = /<([^<>]{1,200})>/g;
/** An opener and a sigil with no proper close (`<!channel and…`, `<@U9|<x>>`): judged by what follows. */
const OPENED = /<([!@])([\p{L}\p{N}_]+(?:\^[\p{L}\p{N}_]+)?)/gu;
/** Bare `@here`; not after a word, dot or slash, so e-mail addresses and URLs are left alone. */
const BARE = /(?<![\p{L}\p{N}_.+\-/=@])@([\p{L}\p{N}_]+)/gu;

const BROADCAST_TOKEN = /^!((?:channel|here|everyone|group)[\p{L}\p{N}_]*)/iu;
const GROUP_TOKEN = /^!subteam\^([a-z0-9]+)(?:\|([^]*))?$/i;
const USER_TOKEN = /^@([uw][a-z0-9]+)(?:\|([^]*))?$/i;
// Harmless tokens, kept only in their exact canonical spelling (anything else is escaped as text later).
const CHANNEL_LINK = /^<#[CG][A-Z0-9]+(?:\|[\p{L}\p{N}._-]*)?>$/u;
const DATE = /^<!date\^\d{1,12}\^[^<>&|@!]*\|[^<>&|@!]*>$/;

/**
 * Rewrites every mention `policy` does not allow to inert text and reports the raw tokens it removed.
 * `keep` decides how an allowed token is written (renderAnswer swaps in placeholders that survive escaping).
 */
export function neutraliseMentions(
  text: string,
  policy: MentionPolicy,
  keep: (token: string) => string = (token) => token,
): SafeText {
  // Plain ASCII without `<`, `@` or `&` reads as itself and holds nothing any pattern below could match
  // (most streamed pieces): no reader's view to build.
  if (INERT_ASCII.test(text)) return { text, removed: [] };
  const removed: string[] = [];
  const inert = (raw: string, name: string): string => {
    const out = INERT_AT + name;
    if (out !== raw) removed.push(raw);
    return out;
  };
  /** `token` as read (sigil first); `allowed` writes a mention the policy permits, given its canonical form. */
  const judge = (raw: string, token: string, allowed: (canonical: string) => string): string => {
    const broadcast = BROADCAST_TOKEN.exec(token);
    if (broadcast) return inert(raw, broadcast[1]!.toLowerCase());
    const group = GROUP_TOKEN.exec(token);
    if (group) {
      const id = group[1]!.toUpperCase();
      return policy.groups.has(id) ? allowed(mention(id)) : inert(raw, handle(group[2]) ?? group[1]!);
    }
    const user = USER_TOKEN.exec(token);
    if (user) {
      const id = user[1]!.toUpperCase();
      return policy.users.has(id) ? allowed(mention(id)) : inert(raw, handle(user[2]) ?? user[1]!);
    }
    return raw;
  };

  // Repeat until stable: neutralising `<!here>` inside `<@U9|<!here>>` exposes the outer token.
  let out = text;
  for (let i = 0; i < 8; i++) {
    const next = rewrite(out, BRACKETED, (raw, [, content = '']) =>
      CHANNEL_LINK.test(raw) || DATE.test(raw) ? keep(raw) : judge(raw, content.replace(/\s*\n\s*/g, ''), keep),
    );
    if (next === out) break;
    out = next;
  }
  // Left-overs are escaped as text later, so an allowed one simply stays as written.
  out = rewrite(out, OPENED, (raw, [, sigil = '', name = '']) => judge(raw, sigil + name, () => raw));
  out = rewrite(out, BARE, (raw, [, name = '']) =>
    BARE_BROADCASTS.has(name.toLowerCase()) ? inert(raw, name.toLowerCase()) : raw,
  );
  return { text: out, removed };
}

/**
 * The text as Slack or a reader takes it — entities decoded, full-width forms folded, invisible characters
 * gone — with, for each unit of the view, the span of the original it came from.
 */
export function readerView(text: string): { seen: string; from: number[]; to: number[] } {
  if (PLAIN_ASCII.test(text)) {
    // Each character reads as itself: the view is the text, unit for unit.
    const from = Array.from({ length: text.length }, (_, i) => i);
    return { seen: text, from, to: from.map((i) => i + 1) };
  }
  let seen = '';
  const from: number[] = [];
  const to: number[] = [];
  for (const m of text.matchAll(/&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});|[^]/gu)) {
    // Plain ASCII reads as itself (no entity, NFKC leaves it, none is ignorable): skip the costly path.
    const read =
      m[0].length === 1 && m[0] < '\u0080'
        ? m[0]
        : decodeEntities(m[0])
            .normalize('NFKC')
            .replace(/\p{Default_Ignorable_Code_Point}/gu, '');
    for (let i = 0; i < read.length; i++) {
      from.push(m.index);
      to.push(m.index + m[0].length);
    }
    seen += read;
  }
  return { seen, from, to };
}

/** Replaces each match of `pattern` in the view by `replace(raw original span, match)`. */
function rewrite(text: string, pattern: RegExp, replace: (raw: string, m: RegExpExecArray) => string): string {
  const { seen, from, to } = readerView(text);
  let out = '';
  let at = 0;
  for (const m of seen.matchAll(pattern)) {
    const start = from[m.index]!;
    if (start < at) continue; // shares one folded character (ﬀ → ff) with the previous match
    const end = to[m.index + m[0].length - 1]!;
    out += text.slice(at, start) + replace(text.slice(start, end), m);
    at = end;
  }
  return out + text.slice(at);
}

/** A label worth showing instead of a raw ID (`<@U9|bob>` → `@bob`), or undefined. */
function handle(label: string | undefined): string | undefined {
  const name = label?.replace(/^@/, '');
  return name && /^[\p{L}\p{N}._-]{1,64}$/u.test(name) && !BROADCASTS.has(name.toLowerCase()) ? name : undefined;
}

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  commat: '@',
  excl: '!',
  verbar: '|',
  num: '#',
};

/**
 * Decodes the HTML entities Markdown allows. Never produces control, surrogate or private-use characters,
 * so an entity cannot forge the placeholders renderAnswer uses.
 */
export function decodeEntities(s: string): string {
  return s.replace(
    /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));/g,
    (raw, dec?: string, hex?: string, name?: string) => {
      if (name !== undefined) return NAMED[name] ?? raw;
      const cp = dec !== undefined ? Number(dec) : parseInt(hex ?? '', 16);
      const printable = cp >= 0x20 && !(cp >= 0x7f && cp < 0xa0) && !(cp >= 0xd800 && cp <= 0xf8ff) && cp <= 0x10ffff;
      return printable ? String.fromCodePoint(cp) : raw;
    },
  );
}
