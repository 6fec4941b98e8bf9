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
  | 'luna_job_payload_invalid';

export class LunaError extends Error {
  readonly code: LunaErrorCode;
  /** Whether retrying the same work later may succeed. */
  readonly retriable: boolean;

  constructor(code: LunaErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LunaError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
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

export function formatProblems(problems: SettingProblem[]): string {
  return problems.map((p) => `${p.where}: ${p.problem}${p.fix ? ` — ${p.fix}` : ''}`).join('\n');
}
