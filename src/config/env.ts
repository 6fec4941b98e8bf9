import { z } from 'zod';
import { LOG_LEVELS } from '../infra/log.js';
import { DEFAULT_REDIS_URL, type RedisNode, type RedisTarget } from '../infra/redis.js';

/**
 * The process environment, as PRODUCT.md lists it. Each variable's `fix` text is what an operator
 * sees when it is missing or wrong, so it says where the value comes from.
 */
export const ROLES = ['all', 'web', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const redisUrl = z.string().refine((v) => /^rediss?:\/\/./.test(v), 'must start with redis:// or rediss://');

/**
 * `host:port,host:port,…`; an entry may be written `redis://host:port` or `rediss://host:port` (TLS), with
 * `user:password@` for AUTH. All entries share one scheme and one set of credentials.
 */
const clusterNodes = z.string().transform((raw, ctx) => {
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const nodes: RedisNode[] = [];
  const schemes = new Set<string>();
  const auth = new Set<string>();
  let username: string | undefined;
  let password: string | undefined;
  for (const entry of entries) {
    const withScheme = /^[a-z]+:\/\//.test(entry) ? entry : `redis://${entry}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `has an entry that is not host:port ("${entry.replace(/\/\/[^@/]*@/, '//…@')}")`,
      });
      return z.NEVER;
    }
    if (!/^rediss?:$/.test(url.protocol) || !url.hostname || !url.port || (url.pathname && url.pathname !== '/')) {
      ctx.addIssue({
        code: 'custom',
        message: `has an entry that is not host:port, redis://host:port or rediss://host:port ("${url.hostname || entry}")`,
      });
      return z.NEVER;
    }
    schemes.add(url.protocol);
    auth.add(`${url.username}:${url.password}`);
    username = url.username ? decodeURIComponent(url.username) : undefined;
    password = url.password ? decodeURIComponent(url.password) : undefined;
    nodes.push({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) });
  }
  if (!nodes.length) {
    ctx.addIssue({ code: 'custom', message: 'lists no nodes' });
    return z.NEVER;
  }
  if (schemes.size > 1)
    ctx.addIssue({ code: 'custom', message: 'mixes redis:// and rediss:// entries; TLS is for all nodes or none' });
  if (auth.size > 1)
    ctx.addIssue({
      code: 'custom',
      message: 'has entries with different credentials; give them on every entry alike, or on none',
    });
  return { nodes, tls: schemes.has('rediss:'), username, password };
});

/** Redis hashes a key's first non-empty `{…}` only: `{luna}` and `app{luna}` have a hash tag, `luna` and `{}luna` have none. */
export function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  if (open < 0) return false;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1;
}

export const EnvSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'must be a bot token starting with xoxb-').optional(),
    SLACK_SIGNING_SECRET: z.string().min(1).optional(),
    SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'must be an app-level token starting with xapp-').optional(),
    SLACK_API_URL: z.url({ protocol: /^https?$/ }).default('https://slack.com/api/'),
    ANTHROPIC_API_KEY: z.string().min(1).optional(),
    ANTHROPIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Unset (and no cluster): 127.0.0.1:6379 if something answers there, else `npm start` runs a local Redis. */
    REDIS_URL: redisUrl.optional(),
    REDIS_CLUSTER_NODES: clusterNodes.optional(),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    LUNA_CONFIG: z.string().min(1).optional(),
    LUNA_PERSONAS_DIR: z.string().min(1).default('./personas'),
    LUNA_ROLE: z.enum(ROLES).default('all'),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    /** The account book: a CSV export of the customer accounts (PRODUCT.md, Accounts). */
    LUNA_ACCOUNTS: z.string().min(1).optional(),
    /** Voyage AI key: when set, knowledge search is hybrid (keywords and embeddings); unset, keywords alone (PRODUCT.md, Knowledge). */
    VOYAGE_API_KEY: z.string().min(1).optional(),
    /** Base URL of Voyage's API (a proxy, or the tests' fake). */
    VOYAGE_BASE_URL: z.url().optional(),
    /** Key prefix for every Redis key LUNA owns. On Redis Cluster it must hold a hash tag; unset there, it is `{luna}`. */
    LUNA_REDIS_PREFIX: z
      .string()
      .regex(/^[\w{}:.-]+$/, 'letters, digits, {}:._- only')
      .optional(),
    /** Port of the local Redis `npm start` runs when no Redis is configured; unset: the last one used, or a free one. */
    LUNA_LOCAL_REDIS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /**
     * LUNA_ROLE=all: `split` (default) runs the worker half in a child process of its own, so answering never
     * competes with acking on one event loop; `inline` keeps both in one process.
     */
    LUNA_ALL_MODE: z.enum(['split', 'inline']).default('split'),
    /**
     * LUNA_ROLE=all, split: how much lower the worker child's priority (nice) is than the web half's, 0–19.
     * Above 0 the ack path wins the CPU whenever both halves want it: a busy machine slows answers a little
     * rather than Slack's acks.
     */
    LUNA_WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
    /** Test-only: the address probed for a Redis when REDIS_URL is unset (so a test need not own 127.0.0.1:6379). */
    LUNA_TEST_DEFAULT_REDIS_URL: redisUrl.optional(),
  })
  .superRefine((e, ctx) => {
    if (e.REDIS_URL && e.REDIS_CLUSTER_NODES) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_CLUSTER_NODES'],
        message: 'is set together with REDIS_URL; LUNA uses one Redis or one cluster',
      });
    }
    if (e.REDIS_CLUSTER_NODES && e.LUNA_REDIS_PREFIX !== undefined && !hasHashTag(e.LUNA_REDIS_PREFIX)) {
      ctx.addIssue({
        code: 'custom',
        path: ['LUNA_REDIS_PREFIX'],
        message: `"${e.LUNA_REDIS_PREFIX}" has no {hash tag}, and on Redis Cluster (REDIS_CLUSTER_NODES) BullMQ's scripts need every key in one slot`,
      });
    }
  })
  .transform((e) => ({ ...e, LUNA_REDIS_PREFIX: e.LUNA_REDIS_PREFIX ?? (e.REDIS_CLUSTER_NODES ? '{luna}' : 'luna') }));

export type Env = z.infer<typeof EnvSchema>;

/** Which Redis the environment names, and whether it names one at all (if not, `npm start` may run its own). */
export function redisTarget(env: Env): { target: RedisTarget; explicit: boolean } {
  if (env.REDIS_CLUSTER_NODES) return { target: { kind: 'cluster', ...env.REDIS_CLUSTER_NODES }, explicit: true };
  if (env.REDIS_URL) return { target: { kind: 'single', url: env.REDIS_URL }, explicit: true };
  return { target: { kind: 'single', url: env.LUNA_TEST_DEFAULT_REDIS_URL ?? DEFAULT_REDIS_URL }, explicit: false };
}

/** Where each setting comes from, for the one-line fix an operator sees. */
export const ENV_FIX: Record<string, string> = {
  SLACK_BOT_TOKEN: 'set it to the Bot User OAuth Token (xoxb-…) from your Slack app → OAuth & Permissions',
  SLACK_SIGNING_SECRET:
    'set it to the Signing Secret from your Slack app → Basic Information (or set SLACK_APP_TOKEN for Socket Mode)',
  SLACK_APP_TOKEN: 'set it to an App-Level Token (xapp-…) with connections:write, or unset it for HTTP mode',
  SLACK_API_URL: 'set it to the base URL of Slack’s Web API, e.g. https://slack.com/api/',
  ANTHROPIC_API_KEY: 'set it to an Anthropic API key (console.anthropic.com → API keys)',
  ANTHROPIC_BASE_URL: 'set it to the Anthropic API base URL, or unset it',
  REDIS_URL: 'set it to redis://host:6379 or rediss://host:6380',
  REDIS_CLUSTER_NODES:
    'set it to host:port,host:port,… of the cluster’s nodes (rediss://host:port entries for TLS), and unset REDIS_URL',
  LUNA_REDIS_PREFIX:
    'wrap the prefix in braces, e.g. LUNA_REDIS_PREFIX={luna}, so every key LUNA and BullMQ write hashes to one cluster slot',
  LUNA_LOCAL_REDIS_PORT: 'set it to a free TCP port for the local Redis, or unset it',
  LUNA_ALL_MODE: 'use split (worker in its own process, the default) or inline (one process)',
  LUNA_WORKER_NICE:
    'set it to how much lower the worker process runs than the web half, 0 (the same) to 19, or unset it for 10',
  PORT: 'set it to a TCP port number, e.g. 3000',
  LUNA_ROLE: 'set it to all, web or worker',
  LOG_LEVEL: 'set it to debug, info, warn or error',
  VOYAGE_API_KEY:
    'set it to a Voyage AI API key (dash.voyageai.com → API keys) for hybrid knowledge search, or unset it for keyword search',
  LUNA_ACCOUNTS:
    'point it at a readable CSV export of your accounts (a header row with at least a "name" column), or unset it',
};

/** Which variables a role needs: a worker never receives Slack requests, a web process never calls the model. */
export function requiredFor(role: Role, socketMode: boolean): (keyof Env)[] {
  const needs: (keyof Env)[] = ['SLACK_BOT_TOKEN'];
  if (role !== 'worker' && !socketMode) needs.push('SLACK_SIGNING_SECRET');
  if (role !== 'web') needs.push('ANTHROPIC_API_KEY');
  return needs;
}
