import type Anthropic from '@anthropic-ai/sdk';
import { chunkMessages, packByBudget, type DigestMessage } from '../domain/digest-chunks.js';
import { DigestSchema, type Digest } from '../domain/digest.js';
import { LunaError } from '../infra/errors.js';
import { estimateTokens } from '../personas/models.js';
import type { Persona } from '../personas/registry.js';
import type { ModelUsage, TextBlockParam } from './client.js';
import { digestSystem, mergePrompt, partPrompt, type DigestScope } from './digest-prompt.js';
import { callStructured } from './structured.js';

/** A digest part is a few thousand output tokens; a call silent for this long is abandoned and retried. */
const CALL_TIMEOUT_MS = 5 * 60_000;

export interface DigestModelDeps {
  anthropic: Anthropic;
  persona: Persona;
  maxOutputTokens: number;
  /** Input tokens of messages (or partial digests) per model call. */
  budgetTokens: number;
  /** Runs `compute` at most once per identical prompt, so a retried job reuses the calls that finished. */
  memo: (prompt: string, compute: () => Promise<Digest>) => Promise<Digest>;
  onUsage: (usage: ModelUsage) => void;
  /** Model calls in flight at once. @defaultValue 4 */
  concurrency?: number;
}

export interface DigestRun {
  digest: Digest;
  /** Model calls made by this run (calls reused from an earlier attempt are not counted). */
  calls: number;
  parts: number;
}

/**
 * Map-reduce over any number of messages: chunks within the token budget → one partial digest each →
 * partial digests merged in groups that fit the budget, level by level, until one is left. Every message
 * is read exactly once and each level is at most half the size of the one below, so total model input
 * grows linearly with the thread.
 */
export async function digestWithModel(
  deps: DigestModelDeps,
  scope: DigestScope,
  messages: DigestMessage[],
): Promise<DigestRun> {
  if (messages.length === 0) throw new LunaError('luna_job_payload_invalid', 'a digest needs at least one message');
  const system = digestSystem(deps.persona);
  let calls = 0;
  const ask = (prompt: string) =>
    deps.memo(prompt, async () => {
      calls++;
      return structuredDigest(deps, system, prompt);
    });
  const chunks = chunkMessages(messages, deps.budgetTokens, new Set(messages.map((m) => m.threadTs)).size > 1);
  const ranges = chunks.map((lines) => rangeOf(lines));
  let level = await mapLimit(chunks, deps.concurrency ?? 4, (lines, i) =>
    ask(partPrompt(scope, lines, i + 1, chunks.length)),
  );
  let covers = ranges;
  while (level.length > 1) {
    const items = level.map((digest, i) => ({ digest, covers: covers[i]!, json: JSON.stringify(digest) }));
    const groups = packByBudget(items, (p) => estimateTokens(p.json) + 16, deps.budgetTokens, 2);
    // A leftover partial on its own goes up a level as it is.
    level = await mapLimit(groups, deps.concurrency ?? 4, async (group) =>
      group.length === 1 ? group[0]!.digest : ask(mergePrompt(scope, group)),
    );
    covers = groups.map((g) => joinRanges(g.map((p) => p.covers)));
  }
  return { digest: level[0]!, calls, parts: chunks.length };
}

async function structuredDigest(deps: DigestModelDeps, system: TextBlockParam[], prompt: string): Promise<Digest> {
  const { value, usage } = await callStructured(deps.anthropic, {
    model: deps.persona.model,
    system,
    messages: [{ role: 'user', content: prompt }],
    schema: DigestSchema,
    maxTokens: deps.maxOutputTokens,
    timeoutMs: CALL_TIMEOUT_MS,
  });
  deps.onUsage(usage);
  return value;
}

function rangeOf(lines: string[]): string {
  const ref = (l: string | undefined) => /^\[(m\d+)/.exec(l ?? '')?.[1] ?? '?';
  return `messages ${ref(lines[0])}–${ref(lines[lines.length - 1])}`;
}

function joinRanges(ranges: string[]): string {
  const first = ranges[0]?.split('–')[0] ?? '';
  const last = ranges[ranges.length - 1]?.split('–')[1] ?? '';
  return `${first}–${last}`;
}

/** Like Promise.all over `items`, with at most `limit` running at once; results keep input order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
