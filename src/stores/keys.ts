/**
 * The one key builder for LUNA's own Redis state: every key sits under the same prefix as the queues
 * (and so, with a `{hash tag}` prefix, in the same Redis Cluster slot). Only stores/ builds keys.
 */
export function stateKey(prefix: string, ...parts: string[]): string {
  return [prefix, 'state', ...parts].join(':');
}

/** Progress of one job (an answer's parts, a map's steps, a thread's order) outlives any retry by far. */
export const JOB_STATE_TTL_SECONDS = 2 * 24 * 3600;

/**
 * Customer requests (stores/requests.ts): one JSON record per request, the indexes that find open ones (all, by
 * channel, account and assignee), the period index exports read, the due-time set timers are scanned from, and
 * the small lookups and markers that keep opening and firing exactly-once.
 */
export function requestKeys(prefix: string) {
  return {
    record: (id: string) => stateKey(prefix, 'req', id),
    /** Open requests, scored by when they opened. */
    open: stateKey(prefix, 'req-open'),
    openInChannel: (channel: string) => stateKey(prefix, 'req-open-ch', channel),
    openForAccount: (accountId: string) => stateKey(prefix, 'req-open-acct', accountId),
    /** A person's open requests, scored by the soonest due time of a target still running. */
    openForAssignee: (userId: string) => stateKey(prefix, 'req-open-user', userId),
    /** Every request, scored by when it opened: what an export or the App Home reads by period. */
    opened: stateKey(prefix, 'req-opened'),
    /** Warnings and breaches to come, `id|target|kind` scored by their time. */
    timers: stateKey(prefix, 'req-timers'),
    /** A customer's latest request in a channel, alive for groupMinutes after their last top-level message. */
    lastOf: (channel: string, userId: string) => stateKey(prefix, 'req-last', channel, userId),
    /** A later top-level message grouped into a request (its thread replies belong to that request). */
    message: (channel: string, ts: string) => stateKey(prefix, 'req-msg', channel, ts),
    /** Set by the one who fires a warning or breach, so nobody else fires it. */
    fired: (id: string, target: string, kind: string) => stateKey(prefix, 'req-fired', id, target, kind),
  };
}
export type RequestKeys = ReturnType<typeof requestKeys>;

/**
 * Knowledge (stores/knowledge.ts): every chunk and its embedding, each document's record (its chunks, what it was
 * read from), the version every change raises and the log of which document changed at which version (what lets
 * a process catch up without reading everything), the indexer's lease, and when each fetched source was last read.
 */
export function knowledgeKeys(prefix: string) {
  return {
    chunks: stateKey(prefix, 'kn', 'chunks'),
    vectors: stateKey(prefix, 'kn', 'vectors'),
    docs: stateKey(prefix, 'kn', 'docs'),
    version: stateKey(prefix, 'kn', 'version'),
    log: stateKey(prefix, 'kn', 'log'),
    lease: stateKey(prefix, 'kn', 'lease'),
    refreshed: stateKey(prefix, 'kn', 'refreshed'),
    /** Questions answered without a source, scored by when: the knowledge gaps App Home lists. */
    gaps: stateKey(prefix, 'kn', 'gaps'),
  };
}
export type KnowledgeKeys = ReturnType<typeof knowledgeKeys>;
