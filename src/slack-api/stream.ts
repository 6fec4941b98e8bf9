import type { WebClient } from '@slack/web-api';
import type { MentionPolicy } from '../domain/mention-safety.js';
import { MentionSafeStream } from '../domain/stream-release.js';
import type { Logger } from '../infra/log.js';
import { slackErrorCode } from './errors.js';
import type { LunaPart } from './post.js';
import { partMetadata } from './thread.js';

// An answer streamed into Slack while the model writes it (chat.startStream → chat.appendStream… →
// chat.stopStream), as Slack Markdown (`markdown_text`, which Slack renders itself, so a prefix never renders
// differently from what LUNA converts at the end). Only text that is safe for good goes out
// (`MentionSafeStream`: nothing that notifies can still be forming, each piece through the mention filter).
// Sends never block the model: at most one call is in flight, and text that arrives meanwhile waits for it.

/** Appends go out when this much text waits, or this long after the last send (Slack's own streamer buffers 256). */
export const STREAM_BUFFER_CHARS = 256;
export const STREAM_FLUSH_MS = 1_000;

/** Slack errors that mean "no streaming here" (or not at all): the answer is posted once instead, silently. */
const REFUSALS = new Set([
  'channel_type_not_supported',
  'unknown_method',
  'not_allowed_token_type',
  'missing_scope',
  'messages_tab_disabled',
]);
/** Refusals Slack gives for the whole app (a method it lacks): not asked again for a while, in any channel. */
const APP_WIDE = new Set(['unknown_method', 'not_allowed_token_type', 'missing_scope']);
const REMEMBER_MS = 10 * 60_000;

/** What this process learnt Slack refuses: per client (one per process), so tests with their own clients start afresh. */
const refused = new WeakMap<WebClient, Map<string, number>>();

function remembered(slack: WebClient, channel: string): boolean {
  const seen = refused.get(slack);
  const now = Date.now();
  return [channel, '*'].some((k) => (seen?.get(k) ?? 0) > now);
}

function remember(slack: WebClient, channel: string, code: string): void {
  if (!REFUSALS.has(code)) return;
  const seen = refused.get(slack) ?? new Map<string, number>();
  refused.set(slack, seen);
  seen.set(APP_WIDE.has(code) ? '*' : channel, Date.now() + REMEMBER_MS);
}

export interface StreamTarget {
  channel: string;
  threadTs: string;
  /** Outside a DM Slack needs the person the stream is for. */
  recipient?: { userId: string; teamId: string } | undefined;
}

export interface AnswerStreamOptions {
  policy: MentionPolicy;
  /** Called with the stream's ts as soon as Slack answers chat.startStream, before anything is appended. */
  onStarted: (ts: string) => Promise<void>;
  /** Checked just before chat.startStream: if it throws, nothing is streamed (the job's run lost its job). */
  beforeStart?: () => Promise<void>;
  /** No more is streamed past this many characters: the rest arrives with the complete answer. */
  maxChars: number;
  log: Logger;
}

export interface StreamOutcome {
  /** The streamed message, when Slack started one. */
  ts?: string;
  /** Why there is none: Slack's refusal (`channel_type_not_supported`…) or a failed call. */
  refused?: string;
}

export class AnswerStream {
  readonly #safe: MentionSafeStream;
  #pending = '';
  /** Characters taken for sending so far (sent, in flight or pending): the cap counts them all. */
  #takenChars = 0;
  #lastSentAt = 0;
  #state: 'idle' | 'streaming' | 'done' = 'idle';
  #ts: string | undefined;
  #refused: string | undefined;
  #busy: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly slack: WebClient,
    private readonly target: StreamTarget,
    private readonly opts: AnswerStreamOptions,
  ) {
    this.#safe = new MentionSafeStream(opts.policy);
  }

  /** A stream for this answer, or undefined where this process already learnt Slack will refuse one. */
  static open(slack: WebClient, target: StreamTarget, opts: AnswerStreamOptions): AnswerStream | undefined {
    return remembered(slack, target.channel) ? undefined : new AnswerStream(slack, target, opts);
  }

  /** The model's next text delta. Returns at once; whatever is safe to show goes out in the background. */
  push(delta: string): void {
    if (this.#state === 'done') return;
    const piece = this.#safe.push(delta);
    if (!piece) return;
    if (this.#takenChars + piece.length > this.opts.maxChars) {
      this.#state = 'done'; // the complete answer, in parts, shows the rest
      return;
    }
    this.#takenChars += piece.length;
    this.#pending += piece;
    this.kick();
  }

  /** No more text: waits for the call in flight (what is still pending is not sent; the final message replaces it all). */
  async settle(): Promise<StreamOutcome> {
    this.#state = 'done';
    clearTimeout(this.#timer);
    while (this.#busy) await this.#busy;
    return { ...(this.#ts ? { ts: this.#ts } : {}), ...(this.#refused ? { refused: this.#refused } : {}) };
  }

  private kick(): void {
    if (this.#busy || !this.#pending || this.#state === 'done') return;
    if (this.#state === 'streaming' && this.#pending.length < STREAM_BUFFER_CHARS) {
      const wait = this.#lastSentAt + STREAM_FLUSH_MS - performance.now();
      if (wait > 0) {
        this.#timer ??= setTimeout(() => {
          this.#timer = undefined;
          this.kick();
        }, wait);
        return;
      }
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#busy = this.send().finally(() => {
      this.#busy = undefined;
      this.kick();
    });
  }

  private async send(): Promise<void> {
    const text = this.#pending;
    this.#pending = '';
    const { channel } = this.target;
    if (this.#ts === undefined && this.opts.beforeStart) {
      try {
        await this.opts.beforeStart();
      } catch {
        this.#state = 'done'; // not Slack's refusal: nothing to remember about the channel
        return;
      }
    }
    try {
      if (this.#ts === undefined) {
        const res = await this.slack.chat.startStream({
          channel,
          thread_ts: this.target.threadTs,
          markdown_text: text,
          ...(this.target.recipient
            ? { recipient_user_id: this.target.recipient.userId, recipient_team_id: this.target.recipient.teamId }
            : {}),
        });
        this.#ts = res.ts!;
        if (this.#state === 'idle') this.#state = 'streaming';
        await this.opts.onStarted(this.#ts);
      } else {
        await this.slack.chat.appendStream({ channel, ts: this.#ts, markdown_text: text });
      }
      this.#lastSentAt = performance.now();
    } catch (err) {
      const code = slackErrorCode(err);
      if (this.#ts === undefined) {
        this.#refused = code ?? 'failed';
        remember(this.slack, channel, this.#refused);
      }
      this.#state = 'done';
      const level = code && REFUSALS.has(code) ? 'info' : 'warn';
      this.opts.log[level]('streaming the answer stopped; the complete answer is posted when ready', {
        channel,
        slackError: code,
        started: Boolean(this.#ts),
        err,
      });
    }
  }
}

/** Takes a stream out of streaming state. One that is not streaming (stopped already, or timed out) is fine. */
export async function stopStream(
  slack: WebClient,
  channel: string,
  ts: string,
): Promise<'stopped' | 'not_streaming' | 'gone'> {
  try {
    await slack.chat.stopStream({ channel, ts });
    return 'stopped';
  } catch (err) {
    const code = slackErrorCode(err);
    if (code === 'message_not_in_streaming_state') return 'not_streaming';
    if (code === 'message_not_found') return 'gone';
    throw err;
  }
}

/** A part (its final text: mrkdwn, mention-safe, handles applied) whose message `ts` was streamed; no blocks: a section holding `text`. */
export type StreamedPart = Omit<LunaPart, 'threadTs'> & { ts: string };

/**
 * Makes a streamed message the final one: stop it, then replace what streamed with the stored, rendered part and
 * its marker (the same words, rules and metadata as a posted part). Safe to repeat. Returns false when the
 * message is gone (someone deleted it): then the part has to be posted.
 */
export async function finishStream(slack: WebClient, p: StreamedPart): Promise<boolean> {
  if ((await stopStream(slack, p.channel, p.ts)) === 'gone') return false;
  // Blocks are always given: what streamed is replaced whole, whatever form Slack kept it in.
  const blocks = p.blocks ?? [{ type: 'section', text: { type: 'mrkdwn', text: p.text } }];
  await slack.chat.update({
    channel: p.channel,
    ts: p.ts,
    text: p.text,
    blocks,
    metadata: partMetadata(p.jobId, p.part, p.meta),
  });
  return true;
}
