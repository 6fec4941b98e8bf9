import { createHash } from 'node:crypto';

/**
 * Prompt-caching emulation with the real API's rules, so tests can prove caching works:
 * - the prompt is a sequence of blocks in `tools` → `system` → `messages` order;
 * - each block carrying `cache_control` (max 4, or a top-level `cache_control` = the last block) is a
 *   breakpoint whose prefix is written to the cache — if that prefix reaches the model's minimum size;
 * - a read uses the longest cached prefix ending at a breakpoint or up to 20 blocks before one;
 * - entries live 5 minutes (or 1 hour with `ttl: '1h'`), refreshed on every hit.
 * Tokens are counted as ceil(chars / 4).
 */

export const MIN_CACHEABLE_TOKENS: Record<string, number> = { haiku: 4096, sonnet: 2048, opus: 1024, default: 4096 };

export function minCacheableTokens(model: string): number {
  const m = model.toLowerCase();
  if (m.includes('haiku')) return MIN_CACHEABLE_TOKENS.haiku!;
  if (m.includes('sonnet')) return MIN_CACHEABLE_TOKENS.sonnet!;
  if (m.includes('opus')) return MIN_CACHEABLE_TOKENS.opus!;
  return MIN_CACHEABLE_TOKENS.default!;
}

export function tokensOf(chars: number): number {
  return Math.ceil(chars / 4);
}

const LOOKBACK_BLOCKS = 20;
const TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;

export interface Segment {
  /** Canonical content (without cache_control) that identifies the block in a prefix. */
  key: string;
  chars: number;
  ttl?: keyof typeof TTL_MS;
}

export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

type Obj = Record<string, unknown>;

function ttlOf(block: unknown): Segment['ttl'] {
  const cc = (block as Obj | null)?.cache_control as Obj | undefined;
  if (!cc || cc.type !== 'ephemeral') return undefined;
  return cc.ttl === '1h' ? '1h' : '5m';
}

function withoutCacheControl(block: Obj): Obj {
  const { cache_control: _ignored, ...rest } = block;
  return rest;
}

function blockChars(block: unknown): number {
  if (typeof block === 'string') return block.length;
  const b = block as Obj;
  if (b.type === 'text' && typeof b.text === 'string') return b.text.length;
  return JSON.stringify(withoutCacheControl(b)).length;
}

/** The request as an ordered list of prompt blocks. */
export function segmentsOf(body: Obj): Segment[] {
  const out: Segment[] = [];
  const push = (where: string, block: unknown) => {
    const canonical = typeof block === 'string' ? block : withoutCacheControl(block as Obj);
    const ttl = typeof block === 'string' ? undefined : ttlOf(block);
    out.push({ key: `${where}:${JSON.stringify(canonical)}`, chars: blockChars(block), ...(ttl ? { ttl } : {}) });
  };
  if (Array.isArray(body.tools)) for (const t of body.tools) push('tool', t);
  if (typeof body.system === 'string') push('system', body.system);
  else if (Array.isArray(body.system)) for (const b of body.system) push('system', b);
  if (Array.isArray(body.messages)) {
    for (const m of body.messages as Obj[]) {
      if (typeof m.content === 'string') push(String(m.role), m.content);
      else if (Array.isArray(m.content)) for (const b of m.content) push(String(m.role), b);
    }
  }
  const top = body.cache_control as Obj | undefined;
  const last = out[out.length - 1];
  if (top?.type === 'ephemeral' && last && !last.ttl) last.ttl = top.ttl === '1h' ? '1h' : '5m';
  return out;
}

export function totalTokens(segments: Segment[]): number {
  return tokensOf(segments.reduce((n, s) => n + s.chars, 0));
}

export class PromptCache {
  /** prefix digest → expiry (ms since epoch). */
  private readonly entries = new Map<string, number>();

  clear(): void {
    this.entries.clear();
  }

  /** Usage for one request, updating the cache as the API would (reads refresh, breakpoints write). */
  use(model: string, segments: Segment[], now = Date.now()): CacheUsage {
    const digests: string[] = [];
    const cum: number[] = [];
    const h = createHash('sha256').update(model);
    let chars = 0;
    for (const s of segments) {
      h.update(s.key).update('\u0000');
      digests.push(h.copy().digest('hex'));
      chars += s.chars;
      cum.push(chars);
    }
    const total = tokensOf(chars);
    const usage: CacheUsage = {
      input_tokens: total,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    };
    const breakpoints = segments.flatMap((s, i) => (s.ttl ? [i] : []));
    if (breakpoints.length === 0) return usage;

    const live = (i: number) => (this.entries.get(digests[i]!) ?? 0) > now;
    const candidates = new Set<number>();
    for (const bp of breakpoints) for (let i = bp; i >= 0 && i > bp - LOOKBACK_BLOCKS; i--) candidates.add(i);
    const readIdx = [...candidates].sort((a, b) => b - a).find(live) ?? -1;
    const readTokens = readIdx >= 0 ? tokensOf(cum[readIdx]!) : 0;
    if (readIdx >= 0)
      this.entries.set(digests[readIdx]!, Math.max(this.entries.get(digests[readIdx]!)!, now + TTL_MS['5m']));

    // Below the model's minimum a breakpoint silently caches nothing, as with the real API.
    const min = minCacheableTokens(model);
    let written = readTokens;
    for (const bp of breakpoints) {
      const t = tokensOf(cum[bp]!);
      if (t < min) continue;
      const ttl = segments[bp]!.ttl!;
      this.entries.set(digests[bp]!, now + TTL_MS[ttl]);
      if (bp > readIdx && t > written) {
        const fresh = t - written;
        if (ttl === '1h') usage.cache_creation.ephemeral_1h_input_tokens += fresh;
        else usage.cache_creation.ephemeral_5m_input_tokens += fresh;
        written = t;
      }
    }
    usage.cache_read_input_tokens = readTokens;
    usage.cache_creation_input_tokens = written - readTokens;
    usage.input_tokens = total - written;
    return usage;
  }
}
