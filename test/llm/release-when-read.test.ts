import { describe, expect, it } from 'vitest';
import { releaseWhenRead } from '../../src/llm/release-when-read.js';

/** A streamed body that sends `chunks`, then waits for more until `end()` is called. */
function streamed(chunks: string[]) {
  let end!: () => void;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      end = () => controller.close();
    },
  });
  return {
    res: new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    end: () => end(),
  };
}

describe('a model answer holds its slot until it has been read', () => {
  it('releases once the body is read to the end, not when the headers arrive', async () => {
    let released = 0;
    const { res, end } = streamed(['event: a\n\n', 'event: b\n\n']);
    const held = releaseWhenRead(res, () => released++);
    expect(held.status).toBe(200);
    expect(held.headers.get('content-type')).toBe('text/event-stream');
    const reader = held.body!.getReader();
    await reader.read();
    await reader.read();
    expect(released).toBe(0);
    end();
    expect(await reader.read()).toMatchObject({ done: true });
    expect(released).toBe(1);
  });

  it('releases when the reader gives up (cancels) mid-stream', async () => {
    let released = 0;
    const held = releaseWhenRead(streamed(['event: a\n\n']).res, () => released++);
    const reader = held.body!.getReader();
    await reader.read();
    await reader.cancel('aborted');
    expect(released).toBe(1);
  });

  it('releases at once for a response without a body', () => {
    let released = 0;
    const res = new Response(null, { status: 204 });
    expect(releaseWhenRead(res, () => released++)).toBe(res);
    expect(released).toBe(1);
  });
});
