/**
 * Every failure family LUNA raises carries a string `code` (`luna_*`), so callers branch on codes,
 * never on message text. Messages are written for the operator reading the log.
 */
export type LunaErrorCode =
  | 'luna_config_invalid'
  | 'luna_persona_invalid'
  | 'luna_model_unavailable'
  | 'luna_model_stalled'
  | 'luna_model_output_invalid'
  | 'luna_slack_failed'
  | 'luna_job_payload_invalid'
  | 'luna_job_superseded'
  | 'luna_redis_unavailable'
  | 'luna_embeddings_failed'
  | 'luna_knowledge_source_failed'
  | 'luna_stopped'
  | 'luna_unexpected';

export interface LunaErrorOptions {
  cause?: unknown;
  /** Whether retrying the same work later may succeed. @defaultValue false */
  retriable?: boolean;
  /** How long the far side asked us to wait before trying again (Retry-After), in milliseconds. */
  retryAfterMs?: number;
  /** Slack's own error string (`not_in_channel`, `ratelimited`…), when Slack refused the call. */
  slackError?: string;
}

export class LunaError extends Error {
  readonly code: LunaErrorCode;
  /** Whether retrying the same work later may succeed. */
  readonly retriable: boolean;
  /** Milliseconds the far side asked us to wait; 0 when it did not say. */
  readonly retryAfterMs: number;
  readonly slackError: string | undefined;

  constructor(code: LunaErrorCode, message: string, options: LunaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LunaError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    const after = options.retryAfterMs ?? 0;
    this.retryAfterMs = Number.isFinite(after) && after > 0 ? after : 0;
    this.slackError = options.slackError;
  }
}

/** Anything thrown or rejected, as an Error (an abort reason, a string someone threw). */
export function toError(x: unknown): Error {
  return x instanceof Error ? x : new Error(typeof x === 'string' ? x : 'aborted');
}

/** The delay a server asked for (Slack or Anthropic Retry-After), carried by a LunaError; 0 otherwise. */
export function retryAfterOf(err: unknown): number {
  return err instanceof LunaError ? err.retryAfterMs : 0;
}

/** One problem found while reading settings: where it is, what was expected, how to fix it. */
export interface SettingProblem {
  /** `SLACK_BOT_TOKEN`, `luna.config.yml: escalation.owners[0].area`, `personas/luna.md: model`… */
  where: string;
  problem: string;
  fix?: string;
}

/** Raised with every problem found at once, so an operator fixes them all in one pass. */
export class SettingsError extends LunaError {
  readonly problems: SettingProblem[];

  constructor(code: 'luna_config_invalid' | 'luna_persona_invalid', problems: SettingProblem[]) {
    super(code, formatProblems(problems));
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

/** One line per problem (`where: problem — fix`), each after `indent`. */
export function formatProblems(problems: SettingProblem[], indent = ''): string {
  return problems.map((p) => `${indent}${p.where}: ${p.problem}${p.fix ? ` — ${p.fix}` : ''}`).join('\n');
}
