/**
 * Flattens what a message shows into one string, for tests that scan a channel for content that must not
 * be there (internal notes in a Slack Connect channel). Every string in blocks and attachments counts, not
 * only `text` fields: button values and image URLs are readable by anyone in the channel through the API.
 */

/** Keys whose strings are structure, not content. */
const STRUCTURAL = new Set(['type', 'block_id', 'action_id', 'style']);

function collect(v: unknown, out: string[], key?: string): void {
  if (typeof v === 'string') {
    if (!key || !STRUCTURAL.has(key)) out.push(v);
  } else if (Array.isArray(v)) {
    for (const x of v) collect(x, out, key);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) collect(x, out, k);
  }
}

export function flattenText(m: {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  files?: unknown[];
}): string {
  const out: string[] = [];
  if (m.text) out.push(m.text);
  collect(m.blocks ?? [], out);
  collect(m.attachments ?? [], out);
  collect(m.files ?? [], out);
  return out.join('\n');
}
