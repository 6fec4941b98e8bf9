import { createHash } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, flatHeaders, listenLoopback, readBody, sendJson } from './http-util.js';

/**
 * A loopback Voyage AI embeddings API: POST /v1/embeddings with a Bearer key and `{ input, model, input_type }`,
 * answered `{ object: 'list', data: [{ object: 'embedding', embedding, index }], model, usage: { total_tokens } }`;
 * errors as `{ detail }` with the status Voyage uses (401 without a key, 400 for a malformed body, 429 when
 * scripted). Embeddings are deterministic: each word's five-letter stem hashed into one of the
 * dimensions, normalised — texts sharing words point the same way, which is all a retrieval test needs.
 */
export const DIMENSIONS = 1024;
const MAX_INPUTS = 1000;
const OUTPUT_DIMENSIONS = new Set([256, 512, 1024, 2048]);

export interface VoyageRequest {
  input: string[];
  model: string;
  input_type: 'query' | 'document' | null;
  headers: Record<string, string>;
}

export function fakeEmbedding(text: string, dimensions = DIMENSIONS): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []) {
    const h = createHash('md5').update(word.slice(0, 5)).digest();
    v[h.readUInt16BE(0) % dimensions]! += 1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

export class FakeVoyage {
  readonly requests: VoyageRequest[] = [];
  /** Answer the next requests with this status (429, 500…) instead of embeddings. */
  failNext: number[] = [];
  readonly url: string;
  private server!: Server;

  private constructor(
    origin: string,
    private readonly dimensions: number,
  ) {
    this.url = `${origin}/v1`;
  }

  /** `dimensions`: the size returned when a request names no `output_dimension` (voyage-3.5's default is 1024). */
  static async start(dimensions = DIMENSIONS): Promise<FakeVoyage> {
    let self: FakeVoyage | undefined = undefined;
    const { server, origin } = await listenLoopback(
      (req, res) => self!.handle(req, res),
      () => undefined,
    );
    self = new FakeVoyage(origin, dimensions);
    self.server = server;
    return self;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = flatHeaders(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'POST' || path !== '/v1/embeddings') return sendJson(res, 404, { detail: 'Not Found' });
    if (!/^Bearer \S+/.test(headers.authorization ?? '')) {
      return sendJson(res, 401, {
        detail: 'Provided API key is invalid. Please check your API key at https://dash.voyageai.com/api-keys.',
      });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { detail: 'Invalid JSON in request body' });
    }
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    if (!Array.isArray(input) || input.length === 0 || !input.every((t) => typeof t === 'string' && t !== '')) {
      return sendJson(res, 400, {
        detail: 'input: must be a non-empty string or a non-empty list of non-empty strings',
      });
    }
    if (input.length > MAX_INPUTS)
      return sendJson(res, 400, {
        detail: `The max allowed input list length is ${MAX_INPUTS}. You provided ${input.length}.`,
      });
    if (typeof body.model !== 'string' || !body.model) return sendJson(res, 400, { detail: 'model: Field required' });
    const inputType = body.input_type ?? null;
    if (inputType !== null && inputType !== 'query' && inputType !== 'document') {
      return sendJson(res, 400, { detail: "input_type: must be 'query', 'document' or null" });
    }
    const size = body.output_dimension ?? this.dimensions;
    if (!OUTPUT_DIMENSIONS.has(size as number))
      return sendJson(res, 400, { detail: 'output_dimension: must be one of 256, 512, 1024, 2048' });
    this.requests.push({ input: input as string[], model: body.model, input_type: inputType, headers });
    const status = this.failNext.shift();
    if (status)
      return sendJson(
        res,
        status,
        { detail: status === 429 ? 'Rate limit exceeded' : 'Internal server error' },
        status === 429 ? { 'retry-after': '1' } : {},
      );
    sendJson(res, 200, {
      object: 'list',
      data: (input as string[]).map((t, index) => ({
        object: 'embedding',
        embedding: fakeEmbedding(t, size as number),
        index,
      })),
      model: body.model,
      usage: { total_tokens: (input as string[]).reduce((n, t) => n + Math.ceil(t.length / 4), 0) },
    });
  }
}
