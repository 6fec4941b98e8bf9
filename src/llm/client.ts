import Anthropic from '@anthropic-ai/sdk';
import type { MessageParam, TextBlockParam, TextCitation, Usage } from '@anthropic-ai/sdk/resources/messages';
import { LunaError } from '../infra/errors.js';
import type { ModelUsage } from '../infra/metrics.js';
import { Watchdog } from './call-watch.js';
import { classifyModelError } from './model-errors.js';
import type { Fetch } from './model-gate.js';

export type { MessageParam, TextBlockParam };

/**
 * The SDK's own retries are off: BullMQ is the single retry mechanism (exponential backoff with
 * jitter, visible in metrics, surviving restarts). The SDK reads ANTHROPIC_BASE_URL itself.
 */
export function createAnthropic(apiKey: string, baseURL?: string, fetch?: Fetch): Anthropic {
  return new Anthropic({
    apiKey,
    ...(baseURL ? { baseURL } : {}),
    ...(fetch ? { fetch } : {}),
    maxRetries: 0,
    timeout: 10 * 60_000,
  });
}

export type { ModelUsage };

export interface StreamedAnswer {
  text: string;
  usage: ModelUsage;
  stopReason: string | null;
  /** Milliseconds from request to first text token: what a user waits before anything could show. */
  firstTokenMs: number | null;
  /** The answer's citations of the request's search results (knowledge passages), in the order they were made. */
  citations: TextCitation[];
}

export interface StreamRequest {
  model: string;
  system: TextBlockParam[];
  messages: MessageParam[];
  maxTokens: number;
  /** Abort when the stream sends nothing for this long. */
  idleTimeoutMs: number;
  /** Called once, when the API has accepted the request (its first stream event): the service is up. */
  onAccepted?: () => void;
  /**
   * Called with each piece of answer text as it arrives (streamed answers). Synchronous: whatever it starts
   * runs beside the stream; an exception in it is not the model's failure and is swallowed.
   */
  onText?: (delta: string) => void;
}

/**
 * Streams a model answer with a watchdog: every event re-arms a timer, and a stream that goes quiet is
 * aborted and reported as retriable (`luna_model_stalled`), so a hung connection never holds a job.
 */
export async function streamAnswer(client: Anthropic, req: StreamRequest): Promise<StreamedAnswer> {
  const started = performance.now();
  let firstTokenMs: number | null = null;
  // Silence counts from when the request goes out (not while it waits in the model gate), re-armed by every event.
  // A streamed answer is what a person watches for: it goes before background calls in the gate.
  const watchdog = new Watchdog(req.idleTimeoutMs, 'answer');
  const stream = watchdog.start(() =>
    client.messages.stream(
      { model: req.model, max_tokens: req.maxTokens, system: req.system, messages: req.messages },
      { signal: watchdog.signal },
    ),
  );
  let accepted = false;
  stream.on('streamEvent', (event) => {
    watchdog.progress();
    if (!accepted) {
      accepted = true;
      req.onAccepted?.();
    }
    if (firstTokenMs === null && event.type === 'content_block_delta') firstTokenMs = performance.now() - started;
  });
  if (req.onText) {
    const onText = req.onText;
    stream.on('text', (delta) => {
      try {
        onText(delta);
      } catch {
        // The caller's display of the answer failed; the answer itself goes on.
      }
    });
  }
  try {
    const message = await stream.finalMessage();
    const text = message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    const citations = message.content.flatMap((b) => (b.type === 'text' ? (b.citations ?? []) : []));
    return { text, usage: usageOf(message.usage), stopReason: message.stop_reason, firstTokenMs, citations };
  } catch (err) {
    if (watchdog.expired) {
      throw new LunaError('luna_model_stalled', `model stream sent nothing for ${req.idleTimeoutMs} ms; aborted`, {
        retriable: true,
        cause: err,
      });
    }
    throw classifyModelError(err);
  } finally {
    watchdog.stop();
  }
}

export function usageOf(u: Usage | undefined): ModelUsage {
  return {
    input: u?.input_tokens ?? 0,
    output: u?.output_tokens ?? 0,
    cacheRead: u?.cache_read_input_tokens ?? 0,
    cacheCreation: u?.cache_creation_input_tokens ?? 0,
  };
}
