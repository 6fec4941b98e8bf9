import { z } from 'zod';
import { LunaError } from '../infra/errors.js';

/**
 * Embeddings from Voyage AI (the provider Anthropic recommends), over its REST API: POST {base}/embeddings with
 * `{ input, model, input_type }`, answered `{ data: [{ embedding, index }], model, usage }`. Documents and
 * questions are embedded with their own `input_type`, as Voyage asks for retrieval. Used only when
 * VOYAGE_API_KEY is set; without it LUNA searches with BM25 alone.
 */
export interface VoyageOptions {
  apiKey: string;
  /** @defaultValue https://api.voyageai.com/v1 */
  baseUrl?: string;
  /** @defaultValue voyage-3.5 */
  model?: string;
  /**
   * Embedding size asked of the model (`output_dimension`; voyage-3.5 offers 256, 512, 1024, 2048). 512 keeps
   * nearly all of 1024's retrieval quality at half the memory and half the search time (docs/knowledge.md).
   * @defaultValue 512
   */
  dimensions?: 256 | 512 | 1024 | 2048;
  /** Inputs per request (Voyage accepts up to 1,000; smaller batches keep each request well under its token cap). @defaultValue 64 */
  batchSize?: number;
  /** @defaultValue 30000 */
  timeoutMs?: number;
}

const EmbeddingsResponse = z.object({
  data: z.array(z.object({ embedding: z.array(z.number()), index: z.number().int().min(0) })),
  model: z.string(),
  usage: z.object({ total_tokens: z.number() }).optional(),
});

export type InputType = 'document' | 'query';

/** What the index asks of an embeddings provider (tests may pass their own). */
export interface Embedder {
  readonly model: string;
  embed(texts: readonly string[], inputType: InputType): Promise<Float32Array[]>;
}

export class VoyageEmbedder implements Embedder {
  readonly model: string;
  private readonly url: string;

  constructor(private readonly options: VoyageOptions) {
    this.model = options.model ?? 'voyage-3.5';
    this.url = `${(options.baseUrl ?? 'https://api.voyageai.com/v1').replace(/\/+$/, '')}/embeddings`;
  }

  async embed(texts: readonly string[], inputType: InputType): Promise<Float32Array[]> {
    const size = this.options.batchSize ?? 64;
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += size) out.push(...(await this.batch(texts.slice(i, i + size), inputType)));
    return out;
  }

  private async batch(input: readonly string[], inputType: InputType): Promise<Float32Array[]> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          input,
          model: this.model,
          input_type: inputType,
          output_dimension: this.options.dimensions ?? 512,
        }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new LunaError('luna_embeddings_failed', `Voyage embeddings request failed: ${(err as Error).message}`, {
        cause: err,
        retriable: true,
      });
    }
    if (!res.ok) {
      const detail = (await res.text().catch(() => '')).slice(0, 300);
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new LunaError('luna_embeddings_failed', `Voyage embeddings answered ${res.status}: ${detail}`, {
        retriable: res.status === 429 || res.status >= 500,
        ...(retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      });
    }
    const parsed = EmbeddingsResponse.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success || parsed.data.data.length !== input.length) {
      throw new LunaError(
        'luna_embeddings_failed',
        `Voyage embeddings answered an unexpected body for ${input.length} inputs`,
      );
    }
    const vectors: Float32Array[] = new Array<Float32Array>(input.length);
    for (const d of parsed.data.data) vectors[d.index] = Float32Array.from(d.embedding);
    return vectors;
  }
}
