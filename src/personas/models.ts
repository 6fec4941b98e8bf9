import type { Model } from '@anthropic-ai/sdk/resources/messages';

/** The literal ids of the SDK's `Model` union, without its open-ended `string & {}` member. */
type KnownModel = Model extends infer M ? (M extends string ? (string extends M ? never : M) : never) : never;

/**
 * Newest id of each Claude family in @anthropic-ai/sdk 1.11.0's `Model` union. `satisfies KnownModel`
 * makes an SDK upgrade that drops one of these ids a type error instead of a 404 at run time.
 */
const CURRENT_BY_FAMILY = {
  sonnet: 'claude-sonnet-5-5',
  haiku: 'claude-haiku-5-5',
  opus: 'claude-opus-5-5',
  // Not aliases (PRODUCT.md promises only sonnet/haiku/opus); listed so a deprecated id of these families has a successor.
  mythos: 'claude-mythos-5-2',
  fable: 'claude-fable-5-2',
} as const satisfies Record<string, KnownModel>;

type Family = keyof typeof CURRENT_BY_FAMILY;
const ALIASES: readonly Family[] = ['sonnet', 'haiku', 'opus'];

export const DEFAULT_MODEL: string = CURRENT_BY_FAMILY.sonnet;

/**
 * Copied from the SDK's `DEPRECATED_MODELS` (resources/messages/messages.js, 1.11.0), which console.warns on
 * every request that uses one; `claude-mythos-preview` comes from the SDK's newer shared table
 * (internal/data/deprecated-models.js). Id → end-of-life date. Update together with the SDK.
 */
const DEPRECATED_MODELS: Readonly<Record<string, string>> = {
  'claude-sonnet-4-5': 'November 30th, 2026',
  'claude-sonnet-4-5-20250929': 'November 30th, 2026',
  'claude-mythos-preview': 'June 30th, 2026',
};

/** An alias LUNA resolves (`sonnet`, `haiku`, `opus`) or an exact Claude model id: what a config may name. */
export function isClaudeModel(declared: string): boolean {
  const wanted = declared.trim().toLowerCase();
  return (ALIASES as readonly string[]).includes(wanted) || /^claude-[a-z0-9.-]+$/.test(wanted);
}

/** Turn a persona's declared `model` into a Claude model id the API accepts. */
export function resolveModel(declared: string | undefined): { id: string; warning?: string } {
  const wanted = declared?.trim().toLowerCase() ?? '';
  if (wanted === '') return { id: DEFAULT_MODEL };

  const alias = ALIASES.find((a) => a === wanted);
  if (alias) return { id: CURRENT_BY_FAMILY[alias] };

  if (wanted.startsWith('claude-')) {
    const endOfLife = DEPRECATED_MODELS[wanted];
    if (endOfLife === undefined) return { id: wanted };
    const family = Object.keys(CURRENT_BY_FAMILY).find((f) => wanted.startsWith(`claude-${f}-`)) as Family | undefined;
    const id = family ? CURRENT_BY_FAMILY[family] : DEFAULT_MODEL;
    return { id, warning: `'${declared}' is deprecated (end of life ${endOfLife}); using ${id} instead` };
  }

  return {
    id: DEFAULT_MODEL,
    warning: `'${declared}' is not a Claude model; using ${DEFAULT_MODEL} instead`,
  };
}

/**
 * Smallest prompt prefix Anthropic will cache; below it `cache_control` silently does nothing. These are
 * conservative upper bounds of the published per-model minimums, so a prefix that passes really is cached.
 */
export function minCacheableTokens(modelId: string): number {
  const id = modelId.toLowerCase();
  if (id.includes('haiku')) return 4096;
  if (id.includes('sonnet')) return 2048;
  if (id.includes('opus')) return 1024;
  return 4096;
}

/**
 * The one token estimator the app uses for budgets: ~4 characters per token for English prose. It is off by
 * 10–20% on some text, which is fine because every budget keeps a margin and the API reports real usage.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
