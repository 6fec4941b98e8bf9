import { neutraliseMentions, readerView, type MentionPolicy } from './mention-safety.js';

// How much of a model answer that is still being written may be shown. A streamed answer reaches Slack in
// pieces that can never be taken back, so a piece may end only where nothing that notifies can still be
// forming: not inside `<…` that could become `<!channel>` or `<@U…>` (even broken over a line), not inside
// an entity such as `&lt` or `&#64`, and not right after `@word`, which could still grow into `@here` or a
// handle. Each piece then goes through the same mention filter as a whole answer (`neutraliseMentions`), so
// `<!chan` in one model chunk and `nel>` in the next is never visible, not even for a moment.

/** The longest `<…>` the mention filter reads as one token (its content limit); a longer one can never form. */
const TOKEN_CONTENT_MAX = 200;
/** An entity still being written at the end of the text: `&`, `&l`, `&#6`, `&#x3`… (complete ones are read as what they stand for). */
const PARTIAL_ENTITY = /&(?:#[xX]?[0-9a-fA-F]{0,7}|[A-Za-z]{0,8})$/;
/** `@` and the word after it, at the very end: it could still become `@here`, `@channel` or `@sales`. */
const TRAILING_AT_WORD = /@[\p{L}\p{N}_]*$/u;

/**
 * The length of the prefix of `text` that can be released now, whatever the model writes next. The rest is
 * held until more text settles it (or the answer ends: then everything is released).
 */
export function releasableLength(text: string): number {
  let end = text.length;
  const entity = PARTIAL_ENTITY.exec(text);
  if (entity) end = entity.index;
  const { seen, from } = readerView(text.slice(0, end));
  const rawAt = (i: number) => (i < seen.length ? from[i]! : end);
  let hold = seen.length;

  const at = TRAILING_AT_WORD.exec(seen);
  if (at) hold = Math.min(hold, at.index);

  // The last `<` with no `<` or `>` after it is the only one Slack (or the filter) could still close into a token.
  const open = Math.max(seen.lastIndexOf('<'), -1);
  if (open >= 0 && !seen.includes('>', open)) {
    const content = seen.slice(open + 1);
    if (content.length <= TOKEN_CONTENT_MAX && couldBecomeMention(content)) hold = Math.min(hold, open);
  }
  return Math.min(end, rawAt(hold));
}

/**
 * Whether what follows an unclosed `<` could still become a token the filter judges: a sigil (`!`, `@`) first,
 * once whitespace around line breaks is joined away as the filter does, or nothing decisive yet.
 */
function couldBecomeMention(content: string): boolean {
  if (/^\s*$/.test(content)) return true;
  return /^[!@]/.test(content.replace(/\s*\n\s*/g, ''));
}

/**
 * One answer as it streams: feed it the model's text deltas, and it returns the next piece that is safe to
 * show (possibly empty), already through the mention filter. `end()` releases what is held, at the end.
 */
export class MentionSafeStream {
  #raw = '';
  #released = 0;

  constructor(private readonly policy: MentionPolicy) {}

  /** Everything the model has written so far, unfiltered. */
  get raw(): string {
    return this.#raw;
  }

  /** Raw characters already released. */
  get released(): number {
    return this.#released;
  }

  push(delta: string): string {
    this.#raw += delta;
    return this.take(false);
  }

  end(): string {
    return this.take(true);
  }

  private take(final: boolean): string {
    const tail = this.#raw.slice(this.#released);
    const n = final ? tail.length : releasableLength(tail);
    if (n === 0) return '';
    this.#released += n;
    return neutraliseMentions(tail.slice(0, n), this.policy).text;
  }
}
