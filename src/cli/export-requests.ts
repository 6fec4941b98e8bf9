import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EnvSchema, redisTarget } from '../config/env.js';
import { closeRedis, connectRedis, describeTarget, whenReady } from '../infra/redis.js';
import { requestsCsv } from '../render/requests-csv.js';
import { RequestStore } from '../stores/requests.js';

/**
 * `npm run requests:export -- --from 2026-11-01 --to 2026-12-01 [--out requests.csv]` (src/cli/requests-export.ts):
 * the customer requests that opened in [from, to) as CSV, read from the Redis LUNA uses (REDIS_URL or
 * REDIS_CLUSTER_NODES, and LUNA_REDIS_PREFIX, as for LUNA itself). Dates are UTC days (`2026-11-01`) or ISO times
 * (`2026-11-01T09:00:00Z`); `--to` defaults to now. Without `--out` the CSV goes to standard output (use
 * `npm run -s` so npm adds no lines).
 *
 * Returns the exit code: 0 written, 2 bad arguments or environment, 1 Redis unreachable or another failure.
 */
const USAGE = 'usage: npm run requests:export -- --from YYYY-MM-DD [--to YYYY-MM-DD] [--out file.csv]';

function instant(text: string | undefined, flag: string): number {
  const ms = text === undefined ? NaN : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(ms))
    throw new UsageError(
      `${flag} ${text === undefined ? 'is required' : `"${text}" is not a date`}: write it as 2026-11-01 (a UTC day) or an ISO time`,
    );
  return ms;
}

class UsageError extends Error {}

export interface ExportIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** How long to wait for Redis to answer. @defaultValue 10 000 ms */
  waitMs?: number;
}

export async function exportRequests(argv: string[], io: ExportIo): Promise<number> {
  let from: number;
  let to: number;
  let out: string | undefined;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } },
      strict: true,
    });
    from = instant(values.from, '--from');
    to = values.to === undefined ? Date.now() : instant(values.to, '--to');
    if (to <= from)
      throw new UsageError('--to must be after --from (the period is from --from up to, not including, --to)');
    out = values.out;
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }

  const env = EnvSchema.safeParse(
    Object.fromEntries(Object.entries(io.env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!env.success) {
    for (const issue of env.error.issues) io.stderr(`${String(issue.path[0])}: ${issue.message}\n`);
    return 2;
  }
  const { target } = redisTarget(env.data);
  const redis = connectRedis(target, 'producer');
  redis.on('error', () => {});
  try {
    const waitMs = io.waitMs ?? 10_000;
    if (!(await whenReady(redis, waitMs))) {
      io.stderr(`Redis at ${describeTarget(target)} did not answer within ${waitMs / 1000} s; nothing was exported\n`);
      return 1;
    }
    const records = await new RequestStore(redis, env.data.LUNA_REDIS_PREFIX).openedBetween(from, to);
    const csv = requestsCsv(records);
    if (out) await writeFile(out, csv);
    else io.stdout(csv);
    io.stderr(
      `${records.length} request${records.length === 1 ? '' : 's'} opened ${new Date(from).toISOString()} – ${new Date(to).toISOString()}${out ? ` written to ${out}` : ''}\n`,
    );
    return 0;
  } catch (err) {
    io.stderr(`export failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await closeRedis(redis);
  }
}
