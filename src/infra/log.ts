import { LogLevel as BoltLogLevel, type Logger as BoltLogger } from '@slack/bolt';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

type Sink = (line: string) => void;

/** JSON-lines logger for operators: one object per line, on stdout (errors and warnings on stderr). */
export function createLogger(
  level: LogLevel = 'info',
  bindings: Record<string, unknown> = {},
  sinks: { out: Sink; err: Sink } = {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
  },
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return;
    const line = JSON.stringify({ t: new Date().toISOString(), level: lvl, msg, ...bindings, ...serialise(fields) });
    (lvl === 'warn' || lvl === 'error' ? sinks.err : sinks.out)(line);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (more) => createLogger(level, { ...bindings, ...more }, sinks),
  };
}

function serialise(fields?: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? errorFields(v) : v;
  return out;
}

function describe(x: unknown): string {
  if (typeof x === 'string') return x;
  try {
    return JSON.stringify(x) ?? typeof x;
  } catch {
    return typeof x;
  }
}

/** An error as an operator needs it: what, where (stack) and why (its cause chain, a few levels deep). */
function errorFields(e: Error, depth = 0): Record<string, unknown> {
  const { code, slackError } = e as { code?: unknown; slackError?: unknown };
  const cause = (e as { cause?: unknown }).cause;
  return {
    name: e.name,
    message: e.message,
    ...(code !== undefined ? { code } : {}),
    ...(slackError !== undefined ? { slackError } : {}),
    ...(e.stack ? { stack: e.stack } : {}),
    ...(cause !== undefined && depth < 3
      ? { cause: cause instanceof Error ? errorFields(cause, depth + 1) : describe(cause) }
      : {}),
  };
}

/** Bolt and the Slack SDK want their own Logger shape; route it into ours. */
export function toBoltLogger(log: Logger, level: LogLevel): BoltLogger {
  const join = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ');
  return {
    debug: (...a: unknown[]) => log.debug(join(a), { src: 'slack' }),
    info: (...a: unknown[]) => log.info(join(a), { src: 'slack' }),
    warn: (...a: unknown[]) => log.warn(join(a), { src: 'slack' }),
    error: (...a: unknown[]) => log.error(join(a), { src: 'slack' }),
    setLevel: () => {},
    getLevel: () => BoltLogLevel[level.toUpperCase() as keyof typeof BoltLogLevel],
    setName: () => {},
  };
}
