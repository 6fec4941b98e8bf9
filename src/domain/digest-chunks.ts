import { estimateTokens } from '../personas/models.js';
import { mention } from './slack-ids.js';

/** One message a digest reads, with the label the model cites it by. */
export interface DigestMessage {
  /** `m1`, `m2`, … in input order. */
  ref: string;
  channel: string;
  ts: string;
  threadTs: string;
  /** 1-based thread number within the digest (channel digests read several threads). */
  thread: number;
  user?: string;
  /** The author's organisation when it is the customer's (a Slack Connect member): the customer's voice. */
  org?: string;
  fromBot: boolean;
  text: string;
}

/** A single pasted log is cut here, so it cannot crowd the rest of a chunk out (same cap as answers). */
const PER_MESSAGE_MAX_CHARS = 8_000;

/** The transcript line the model sees for one message: `[m12 · thread 3 · <@U0BOB>] text`. */
export function messageLine(m: DigestMessage, withThread: boolean, maxChars = PER_MESSAGE_MAX_CHARS): string {
  const who = m.user ? `${mention(m.user)}${m.org ? ` (customer: ${m.org})` : ''}` : m.fromBot ? 'a bot' : 'someone';
  const label = `[${m.ref}${withThread ? ` · thread ${m.thread}` : ''} · ${who}]`;
  const flat = m.text.replace(/\s*\n\s*/g, ' ').trim();
  const text =
    flat.length <= maxChars
      ? flat
      : `${flat.slice(0, maxChars)}… [${flat.length - maxChars} more characters not shown]`;
  return `${label} ${text}`;
}

/**
 * Transcript lines in chunks of at most `budgetTokens` each, in order, every message in exactly one chunk.
 * A message too big for a chunk on its own is cut to fit, never left out.
 */
export function chunkMessages(messages: DigestMessage[], budgetTokens: number, withThread: boolean): string[][] {
  const maxChars = Math.max(200, Math.min(PER_MESSAGE_MAX_CHARS, (budgetTokens - 32) * 4));
  const lines = messages.map((m) => messageLine(m, withThread, maxChars));
  return packByBudget(lines, (l) => estimateTokens(l) + 1, budgetTokens);
}

/**
 * Greedy packing into consecutive groups whose summed cost stays within `budget` (an item costing more
 * than the budget gets a group of its own). `minPerGroup` forces progress when reducing partial digests.
 */
export function packByBudget<T>(items: T[], cost: (item: T) => number, budget: number, minPerGroup = 1): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let spent = 0;
  for (const item of items) {
    const c = cost(item);
    if (current.length >= minPerGroup && spent + c > budget) {
      groups.push(current);
      current = [];
      spent = 0;
    }
    current.push(item);
    spent += c;
  }
  if (current.length) groups.push(current);
  return groups;
}
