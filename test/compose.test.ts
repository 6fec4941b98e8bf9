import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { EnvSchema, ROLES, requiredFor, type Env, type Role } from '../src/config/env.js';
import { WorkspaceSchema } from '../src/config/workspace.js';

/**
 * No Docker engine runs where the tests run, so this reads docker-compose.yml the way Compose v2 does (YAML merge
 * keys on, `.env` as the interpolation source) and checks what it promises. What LUNA needs comes from the code:
 * the variables from EnvSchema, the required ones per role from requiredFor, the shutdown grace from WorkspaceSchema.
 */

const read = (name: string): string => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');

/** Compose's short and long forms, normalised to one shape each. */
const stringList = z.union([z.string().transform((s) => [s]), z.array(z.string())]);
const Service = z.looseObject({
  image: z.string().optional(),
  build: z
    .union([
      z.string().transform((context) => ({ context, dockerfile: undefined })),
      z.looseObject({ context: z.string(), dockerfile: z.string().optional() }),
    ])
    .optional(),
  command: stringList.optional(),
  environment: z
    .union([
      z.record(
        z.string(),
        z.union([z.string(), z.number(), z.boolean(), z.null()]).transform((v) => (v === null ? '' : String(v))),
      ),
      z
        .array(z.string())
        .transform((l) => Object.fromEntries(l.map((kv) => [kv.split('=', 1)[0]!, kv.slice(kv.indexOf('=') + 1)]))),
    ])
    .default({}),
  env_file: z
    .union([
      z.string().transform((s) => [s]),
      z.array(
        z.union([
          z.string(),
          z.object({ path: z.string(), required: z.boolean().optional() }).transform((e) => e.path),
        ]),
      ),
    ])
    .default([]),
  ports: z
    .array(
      z.union([
        z.string(),
        z.number().transform(String),
        z.looseObject({ target: z.union([z.number(), z.string()]), published: z.unknown() }),
      ]),
    )
    .optional(),
  volumes: z
    .array(
      z.union([z.string(), z.looseObject({ type: z.string(), source: z.string().optional(), target: z.string() })]),
    )
    .transform((l) =>
      l.map((v) => (typeof v === 'string' ? { type: 'short', source: v.split(':')[0], target: v.split(':')[1] } : v)),
    )
    .default([]),
  healthcheck: z.looseObject({ test: stringList.optional(), disable: z.boolean().optional() }).optional(),
  depends_on: z
    .union([
      z.array(z.string()).transform((l) => Object.fromEntries(l.map((s) => [s, { condition: 'service_started' }]))),
      z.record(z.string(), z.looseObject({ condition: z.string().optional() })),
    ])
    .default({}),
  restart: z.string().optional(),
  stop_grace_period: z.string().optional(),
  deploy: z.looseObject({ replicas: z.number().int().optional() }).optional(),
});
const Compose = z.looseObject({
  services: z.record(z.string(), Service),
  volumes: z.record(z.string(), z.unknown().nullable()).default({}),
});
type Service = z.infer<typeof Service>;

/** A .env file as Compose reads it: NAME=value lines, # comments, optional quotes. */
function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) vars[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}

/** Compose interpolation: ${VAR}, ${VAR:-default}, $$ for a literal $. */
const interpolate = (s: string, vars: Record<string, string>): string =>
  s.replace(/\$\$|\$\{(\w+)(?::?-([^}]*))?\}/g, (all, name: string | undefined, fallback: string | undefined) =>
    all === '$$' ? '$' : vars[name!] || (fallback ?? ''),
  );

const seconds = (duration: string): number =>
  [...duration.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)].reduce(
    (t, [, n, unit]) => t + Number(n) * { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6 }[unit!]!,
    0,
  );

const compose = Compose.parse(parse(read('docker-compose.yml'), { merge: true }));
const example = parseEnvFile(read('.env.example'));
const services = Object.entries(compose.services);
/** LUNA services are those built from this repository; every other one must be Redis. */
const luna = services.filter(([, s]) => s.build !== undefined);
const roleOf = (s: Service): string | undefined => s.environment.LUNA_ROLE;
const replicas = (s: Service): number => s.deploy?.replicas ?? 1;
const redisEntry = services.find(([, s]) => /^(docker\.io\/)?(library\/)?redis:/.test(s.image ?? ''));

/** What a LUNA container sees: the env_file contents (.env, whose template is .env.example), then `environment` over them. */
function containerEnv(s: Service): Record<string, string> {
  const fromFiles = s.env_file.includes('.env') ? example : {};
  // LUNA drops empty values before parsing (src/config/load.ts); so do we.
  return Object.fromEntries(Object.entries({ ...fromFiles, ...s.environment }).filter(([, v]) => v !== ''));
}

describe('docker-compose.yml', () => {
  it('runs Redis, one web service and at least two worker containers, nothing else', () => {
    expect(redisEntry, 'a service on the official redis image').toBeDefined();
    const web = luna.filter(([, s]) => roleOf(s) === 'web');
    const workers = luna.filter(([, s]) => roleOf(s) === 'worker');
    expect(web.map(([name]) => name)).toEqual(['web']);
    expect(replicas(web[0]![1])).toBe(1);
    expect(workers.length).toBeGreaterThan(0);
    expect(workers.reduce((n, [, s]) => n + replicas(s), 0)).toBeGreaterThanOrEqual(2);
    expect(services.map(([name]) => name).sort()).toEqual([redisEntry![0], ...luna.map(([name]) => name)].sort());
  });

  it('builds every LUNA service from the Dockerfile at the top level', () => {
    expect(luna.length).toBeGreaterThan(0);
    for (const [name, s] of luna) {
      expect(s.build?.context, name).toMatch(/^\.\/?$/);
      expect(s.build?.dockerfile ?? 'Dockerfile', name).toBe('Dockerfile');
      expect(ROLES, `${name}: LUNA_ROLE`).toContain(roleOf(s));
    }
  });

  it('keeps Redis data on a named volume at /data, with AOF on', () => {
    const [, redis] = redisEntry!;
    const data = redis.volumes.find((v) => v.target === '/data');
    expect(data, 'a volume mounted at /data').toBeDefined();
    expect(Object.keys(compose.volumes), 'a named volume, declared at the top level').toContain(data!.source);
    expect(redis.command?.join(' ')).toMatch(/^redis-server\b.*--appendonly yes\b/);
  });

  it('checks health: LUNA on /healthz, Redis with redis-cli ping', () => {
    const [, redis] = redisEntry!;
    expect(redis.healthcheck?.disable).not.toBe(true);
    expect(redis.healthcheck?.test?.join(' ')).toMatch(/redis-cli ping/);
    for (const [name, s] of luna) {
      expect(s.healthcheck?.disable, name).not.toBe(true);
      expect(s.healthcheck?.test?.[0], name).toMatch(/^CMD(-SHELL)?$/);
      expect(s.healthcheck?.test?.join(' '), name).toContain('/healthz');
    }
  });

  it('starts LUNA only once Redis is healthy, and restarts every service', () => {
    for (const [name, s] of luna) expect(s.depends_on[redisEntry![0]]?.condition, name).toBe('service_healthy');
    for (const [name, s] of services) expect(s.restart, name).toMatch(/^(always|unless-stopped|on-failure(:\d+)?)$/);
  });

  it('gives LUNA longer to stop than its shutdown grace, so active jobs are handed back rather than killed', () => {
    const grace = WorkspaceSchema.parse({}).queue.shutdownGraceSeconds;
    for (const [name, s] of luna) expect(seconds(s.stop_grace_period ?? '10s'), name).toBeGreaterThan(grace);
  });

  it('reads each LUNA service’s environment from .env and points REDIS_URL at the redis service', () => {
    for (const [name, s] of luna) {
      expect(s.env_file, name).toContain('.env');
      expect(s.environment.REDIS_URL, name).toMatch(new RegExp(`^redis://${redisEntry![0]}:6379/?$`));
    }
  });

  it.each(luna.map(([name, s]) => [name, s] as const))(
    '%s gets every variable env.ts requires for its role, and valid ones',
    (name, s) => {
      const env = containerEnv(s);
      const role = roleOf(s) as Role;
      const required = requiredFor(role, Boolean(env.SLACK_APP_TOKEN));
      expect(required.length).toBeGreaterThan(0);
      for (const variable of required)
        expect(env[variable], `${name} (LUNA_ROLE=${role}) needs ${variable}`).toBeTruthy();
      const parsed = EnvSchema.safeParse(env);
      expect(parsed.error?.issues ?? []).toEqual([]);
      expect(parsed.data?.LUNA_ROLE).toBe(role);
    },
  );

  it('publishes the port web listens on, and none for workers or Redis', () => {
    for (const [name, s] of services) {
      const role = roleOf(s);
      if (role !== 'web') {
        expect(s.ports ?? [], name).toEqual([]);
        continue;
      }
      const listens: Env['PORT'] = EnvSchema.parse(containerEnv(s)).PORT;
      expect(s.ports, name).toHaveLength(1);
      const port = s.ports![0]!;
      const target =
        typeof port === 'string'
          ? interpolate(port, example).split(':').at(-1)!.split('/')[0]
          : interpolate(String(port.target), example);
      expect(Number(target), `${name} publishes the container port LUNA listens on`).toBe(listens);
    }
  });
});

describe('.env.example', () => {
  it('names every variable src/config/env.ts reads', () => {
    // LUNA_TEST_* variables exist for the test suite only; an operator never sets them.
    const missing = Object.keys(EnvSchema.in.shape).filter(
      (name) => !name.startsWith('LUNA_TEST_') && !(name in example),
    );
    expect(missing).toEqual([]);
  });

  it('has a one-line comment above each variable and no real-looking secret', () => {
    const lines = read('.env.example').split(/\r?\n/);
    lines.forEach((line, i) => {
      if (/^[A-Z_]+=/.test(line)) expect(lines[i - 1], `comment above ${line}`).toMatch(/^# \S/);
    });
    expect(example.SLACK_BOT_TOKEN).toMatch(/^xoxb-replace/);
    for (const secret of ['SLACK_SIGNING_SECRET', 'ANTHROPIC_API_KEY']) expect(example[secret]).toMatch(/replace/);
    expect(example.SLACK_APP_TOKEN ?? '').toBe('');
  });

  it('is a template only: .env itself is git-ignored and kept out of the image', () => {
    expect(read('.gitignore').split(/\r?\n/)).toContain('.env');
    expect(read('.dockerignore').split(/\r?\n/)).toContain('.env');
  });
});
