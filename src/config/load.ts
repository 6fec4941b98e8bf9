import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { SettingsError, type SettingProblem } from '../infra/errors.js';
import { loadPersonas, type Persona, type PersonaRegistry } from '../personas/registry.js';
import { AccountBookFile } from './account-book-file.js';
import type { RedisTarget } from '../infra/redis.js';
import { ENV_FIX, EnvSchema, redisTarget, requiredFor, type Env } from './env.js';
import { WorkspaceSchema, type Workspace } from './workspace.js';

export interface Settings {
  env: Env;
  /** The Redis (or cluster) to use; `explicit` is false when the environment names none (`npm start` may then run its own). */
  redis: { target: RedisTarget; explicit: boolean };
  socketMode: boolean;
  workspace: Workspace;
  /** The config file that was read, or undefined when the optional default file is absent. */
  configPath: string | undefined;
  personas: PersonaRegistry;
  persona: Persona;
  /** The account book named by LUNA_ACCOUNTS, read once (bad rows skipped); `watch` it to follow changes. */
  accountBook?: AccountBookFile | undefined;
}

const DEFAULT_CONFIG = './luna.config.yml';

/**
 * Reads environment, `luna.config.yml` and personas, and either returns all of them or throws one
 * SettingsError naming every problem, so start-up fails once with the whole list.
 */
export async function loadSettings(rawEnv: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<Settings> {
  const problems: SettingProblem[] = [];
  // `FOO=` in a shell or compose file means "not set", not "set to nothing".
  const source = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ''));

  const envResult = EnvSchema.safeParse(source);
  const env = envResult.success ? envResult.data : undefined;
  if (!envResult.success) {
    for (const issue of envResult.error.issues) {
      const name = String(issue.path[0]);
      problems.push({ where: name, problem: `${describe(source[name])} ${issue.message}`, fix: ENV_FIX[name] });
    }
  }
  const role = env?.LUNA_ROLE ?? 'all';
  const socketMode = Boolean(source.SLACK_APP_TOKEN);
  for (const name of requiredFor(role, socketMode)) {
    if (!source[name]) problems.push({ where: name, problem: `is required (LUNA_ROLE=${role})`, fix: ENV_FIX[name] });
  }

  const explicitConfig = source.LUNA_CONFIG;
  const configPath = path.resolve(cwd, explicitConfig ?? DEFAULT_CONFIG);
  const configName = path.relative(cwd, configPath) || configPath;
  let workspace: Workspace | undefined;
  let configRead: string | undefined;
  try {
    const text = await readFile(configPath, 'utf8');
    configRead = configPath;
    workspace = parseWorkspace(text, configName, problems);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicitConfig) {
      workspace = WorkspaceSchema.parse({});
    } else {
      problems.push({
        where: 'LUNA_CONFIG',
        problem: `cannot read ${configPath}: ${(err as Error).message}`,
        fix: 'point LUNA_CONFIG at a readable luna.config.yml, or unset it to run with defaults',
      });
    }
  }

  const personasDir = path.resolve(cwd, source.LUNA_PERSONAS_DIR ?? './personas');
  let personas: PersonaRegistry | undefined;
  try {
    personas = await loadPersonas(personasDir);
  } catch (err) {
    if (err instanceof SettingsError) problems.push(...err.problems);
    else throw err;
  }

  const persona = workspace && personas ? personas.get(workspace.persona) : undefined;
  if (workspace && personas && !persona) {
    problems.push({
      where: `${configName}: persona`,
      problem: `no persona file "${workspace.persona}.md" in ${personasDir}`,
      fix: `use one of: ${
        personas
          .list()
          .map((p) => p.id)
          .join(', ') || '(none found)'
      }`,
    });
  }
  if (workspace?.escalation && persona) checkEscalationAreas(workspace, persona, configName, problems);

  let accountBook: AccountBookFile | undefined;
  if (source.LUNA_ACCOUNTS) {
    const file = path.resolve(cwd, source.LUNA_ACCOUNTS);
    try {
      accountBook = await AccountBookFile.open(file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      problems.push({
        where: 'LUNA_ACCOUNTS',
        problem: e.code ? `cannot read ${file}: ${e.message}` : `${file} ${e.message}`,
        fix: ENV_FIX.LUNA_ACCOUNTS,
      });
    }
  }

  if (problems.length > 0 || !env || !workspace || !personas || !persona) {
    throw new SettingsError('luna_config_invalid', problems);
  }
  return {
    env,
    redis: redisTarget(env),
    socketMode,
    workspace,
    configPath: configRead,
    personas,
    persona,
    ...(accountBook ? { accountBook } : {}),
  };
}

function parseWorkspace(text: string, configName: string, problems: SettingProblem[]): Workspace | undefined {
  // `yaml`'s core schema: plain data only, no custom tags, no code.
  const doc = parseDocument(text, { schema: 'core', prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const line = e.linePos?.[0]?.line;
      problems.push({
        where: `${configName}${line ? `:${line}` : ''}`,
        problem: `is not valid YAML (${e.code}: ${e.message.split('\n')[0]})`,
        fix: 'fix the YAML syntax (indentation, quotes, colons)',
      });
    }
    return undefined;
  }
  const result = WorkspaceSchema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  for (const issue of result.error.issues) problems.push(describeIssue(issue, configName));
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue, configName: string): SettingProblem {
  const field = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return {
      where: `${configName}: ${field || '(top level)'}`,
      problem: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`,
      fix: 'remove it or check its spelling against the README',
    };
  }
  // A record's bad key (a channel name where an ID belongs): say what the key must be, not just that it is wrong.
  if (issue.code === 'invalid_key') {
    return {
      where: `${configName}: ${field}`,
      problem: `is not a valid key: ${issue.issues[0]?.message ?? issue.message}`,
    };
  }
  return { where: `${configName}: ${field}`, problem: issue.message };
}

function checkEscalationAreas(workspace: Workspace, persona: Persona, configName: string, problems: SettingProblem[]) {
  const valid = persona.scaling.humanHandles;
  const known = new Set(valid.map((a) => a.toLowerCase()));
  workspace.escalation?.owners.forEach((owner, i) => {
    if (!known.has(owner.area.trim().toLowerCase())) {
      problems.push({
        where: `${configName}: escalation.owners[${i}].area`,
        problem: `"${owner.area}" is not a human-handled area of persona "${persona.id}"`,
        fix: valid.length
          ? `use one of: ${valid.join('; ')}`
          : `persona "${persona.id}" lists no human-handled areas in its Scaling Approach`,
      });
    }
  });
}

export function formatPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );
}

function describe(value: string | undefined): string {
  return value === undefined ? 'is missing;' : 'is set but';
}
