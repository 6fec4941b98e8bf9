/**
 * The one key builder for LUNA's own Redis state: every key sits under the same prefix as the queues
 * (and so, with a `{hash tag}` prefix, in the same Redis Cluster slot). Only stores/ builds keys.
 */
export function stateKey(prefix: string, ...parts: string[]): string {
  return [prefix, 'state', ...parts].join(':');
}

/** Progress of one job (an answer's parts, a map's steps, a thread's order) outlives any retry by far. */
export const JOB_STATE_TTL_SECONDS = 2 * 24 * 3600;
