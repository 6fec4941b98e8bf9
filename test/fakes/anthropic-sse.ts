import type { ServerResponse } from 'node:http';
import { sleep } from './http-util.js';

/**
 * Writes a Messages API stream in the exact wire format of the real service:
 * message_start → content_block_start → ping → content_block_delta* → content_block_stop →
 * message_delta → message_stop, each as `event: <type>\ndata: <json>\n\n`.
 */

export interface SseScript {
  requestId: string;
  message: Record<string, unknown>;
  usage: { output_tokens: number };
  text: string;
  stopReason: string;
  reply: {
    chunkChars?: number;
    chunks?: string[];
    chunkDelayMs?: number;
    stallAfterChars?: number;
    errorAfterChars?: number;
    errorType?: string;
  };
  /** Called as each text delta is written (benchmarks time the first one). */
  onDelta?: () => void;
  /** Citations of the text block, streamed as `citations_delta`s before its text. */
  citations?: readonly object[];
}

async function send(res: ServerResponse, type: string, data: Record<string, unknown>): Promise<boolean> {
  if (res.destroyed) return false;
  const ok = res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  if (!ok)
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  return !res.destroyed;
}

/** Splits on code points so a chunk never ends inside a surrogate pair. */
function chunks(text: string, size: number): string[] {
  const cps = [...text];
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += size) out.push(cps.slice(i, i + size).join(''));
  return out;
}

export async function writeSse(res: ServerResponse, s: SseScript): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': s.requestId,
  });
  const { stallAfterChars, errorAfterChars } = s.reply;
  const cut = stallAfterChars ?? errorAfterChars;
  const text = cut !== undefined ? [...s.text].slice(0, cut).join('') : s.text;
  // The opening event reports input usage; output_tokens starts at 1, as the API does.
  const startUsage = { ...s.usage, output_tokens: 1 };
  if (
    !(await send(res, 'message_start', {
      message: { ...s.message, content: [], stop_reason: null, usage: startUsage },
    }))
  )
    return;
  const hasBlock = text !== '' || cut !== undefined;
  if (hasBlock) {
    const cited = (s.citations?.length ?? 0) > 0;
    if (
      !(await send(res, 'content_block_start', {
        index: 0,
        content_block: cited ? { type: 'text', text: '', citations: [] } : { type: 'text', text: '' },
      }))
    )
      return;
    if (!(await send(res, 'ping', {}))) return;
    for (const citation of s.citations ?? []) {
      if (!(await send(res, 'content_block_delta', { index: 0, delta: { type: 'citations_delta', citation } }))) return;
    }
    const scripted =
      s.reply.chunks !== undefined && s.reply.chunks.join('') === text
        ? s.reply.chunks.filter((c) => c !== '')
        : undefined;
    const pieces = scripted ?? chunks(text, Math.max(1, s.reply.chunkChars ?? 40));
    for (const [i, piece] of pieces.entries()) {
      if (!(await send(res, 'content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }))) return;
      s.onDelta?.();
      if (i < pieces.length - 1) await sleep(s.reply.chunkDelayMs ?? 0, res);
    }
  }
  if (stallAfterChars !== undefined) {
    // Silence with the connection open, until the client gives up (or the fake closes).
    await new Promise<void>((resolve) => res.once('close', () => resolve()));
    return;
  }
  if (errorAfterChars !== undefined) {
    const type = s.reply.errorType ?? 'overloaded_error';
    await send(res, 'error', {
      error: { type, message: type === 'overloaded_error' ? 'Overloaded' : 'Internal server error' },
    });
    res.end();
    return;
  }
  if (hasBlock && !(await send(res, 'content_block_stop', { index: 0 }))) return;
  if (
    !(await send(res, 'message_delta', {
      delta: { stop_reason: s.stopReason, stop_sequence: null },
      usage: { output_tokens: s.usage.output_tokens },
    }))
  )
    return;
  await send(res, 'message_stop', {});
  res.end();
}
