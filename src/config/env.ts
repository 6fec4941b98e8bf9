import { z } from 'zod';
import { LOG_LEVELS } from '../infra/log.js';

/**
 * The process environment, as PRODUCT.md lists it. Each variable's `fix` text is what an operator
 * sees when it is missing or wrong, so it says where the value comes from.
 */
export const ROLES = ['all', 'web', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const redisUrl = z.string().refine((v) => /^rediss?:\/\/./.test(v), 'must start with redis:// or rediss://');

export const EnvSchema = z.object({
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'must be a bot token starting with xoxb-').optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'must be an app-level token starting with xapp-').optional(),
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).default('https://slack.com/api/'),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LUNA_CONFIG: z.string().min(1).optional(),
  LUNA_PERSONAS_DIR: z.string().min(1).default('./personas'),
  LUNA_ROLE: z.enum(ROLES).default('all'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** The account book: a CSV export of the customer accounts (PRODUCT.md, Accounts). */
  LUNA_ACCOUNTS: z.string().min(1).optional(),
  /** Key prefix for every Redis key LUNA owns. Wrap it in braces (`{luna}`) to run on Redis Cluster. */
  LUNA_REDIS_PREFIX: z
    .string()
    .regex(/^[\w{}:.-]+$/, 'letters, digits, {}:._- only')
    .default('luna'),
});

export type Env = z.infer<typeof EnvSchema>;

/** Where each setting comes from, for the one-line fix an operator sees. */
export const ENV_FIX: Record<string, string> = {
  SLACK_BOT_TOKEN: 'set it to the Bot User OAuth Token (xoxb-…) from your Slack app → OAuth & Permissions',
  SLACK_SIGNING_SECRET: 'set it to the Signing Secret from your Slack app → Basic Information (or set SLACK_APP_TOKEN for Socket Mode)',
  SLACK_APP_TOKEN: 'set it to an App-Level Token (xapp-…) with connections:write, or unset it for HTTP mode',
  SLACK_API_URL: 'set it to the base URL of Slack’s Web API, e.g. https://slack.com/api/',
  ANTHROPIC_API_KEY: 'set it to an Anthropic API key (console.anthropic.com → API keys)',
  ANTHROPIC_BASE_URL: 'set it to the Anthropic API base URL, or unset it',
  REDIS_URL: 'set it to redis://host:6379 or rediss://host:6380',
  PORT: 'set it to a TCP port number, e.g. 3000',
  LUNA_ROLE: 'set it to all, web or worker',
  LOG_LEVEL: 'set it to debug, info, warn or error',
  LUNA_ACCOUNTS: 'point it at a readable CSV export of your accounts (a header row with at least a "name" column), or unset it',
};

/** Which variables a role needs: a worker never receives Slack requests, a web process never calls the model. */
export function requiredFor(role: Role, socketMode: boolean): (keyof Env)[] {
  const needs: (keyof Env)[] = ['SLACK_BOT_TOKEN'];
  if (role !== 'worker' && !socketMode) needs.push('SLACK_SIGNING_SECRET');
  if (role !== 'web') needs.push('ANTHROPIC_API_KEY');
  return needs;
}
