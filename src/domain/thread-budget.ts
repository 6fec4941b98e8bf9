import { estimateTokens } from '../personas/models.js';

export interface ThreadMessage {
  ts: string;
  /** Slack user ID of the author, when a person wrote it. */
  user?: string;
  /** True for LUNA's own earlier answers. */
  fromLuna: boolean;
  /** True for other bots and integrations. */
  fromBot: boolean;
  text: string;
}

export interface FittedThread {
  /** The parent first, then the newest messages that fit, in thread order. */
  kept: ThreadMessage[];
  /** Messages between the parent and the kept ones that were left out. */
  omitted: number;
  /** Messages whose text was cut to `perMessageMaxChars`. */
  truncated: number;
}

const PER_MESSAGE_OVERHEAD = 12; // the "[#n · <@U…>]" label the prompt puts in front of each message

/**
 * Fits a thread to a token budget: the parent always stays (it says what the thread is about), then
 * messages are taken newest first until the budget is spent. A single huge message (a pasted 40k-char
 * log) is cut so it cannot crowd out the rest of the conversation.
 */
export function fitThread(messages: ThreadMessage[], budgetTokens: number, perMessageMaxChars = 8_000): FittedThread {
  if (messages.length === 0) return { kept: [], omitted: 0, truncated: 0 };
  let truncated = 0;
  const cut = (m: ThreadMessage): ThreadMessage => {
    if (m.text.length <= perMessageMaxChars) return m;
    truncated++;
    const hidden = m.text.length - perMessageMaxChars;
    return { ...m, text: `${m.text.slice(0, perMessageMaxChars)}… [${hidden} more characters not shown]` };
  };
  const cost = (m: ThreadMessage) => estimateTokens(m.text) + PER_MESSAGE_OVERHEAD;

  const [first, ...rest] = messages as [ThreadMessage, ...ThreadMessage[]];
  const parent = cut(first);
  let spent = cost(parent);
  const newestFirst: ThreadMessage[] = [];
  for (let i = rest.length - 1; i >= 0; i--) {
    const m = cut(rest[i]!);
    const c = cost(m);
    if (spent + c > budgetTokens) break;
    spent += c;
    newestFirst.push(m);
  }
  return { kept: [parent, ...newestFirst.reverse()], omitted: rest.length - newestFirst.length, truncated };
}
