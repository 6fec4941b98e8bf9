import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { SettingsError, type SettingProblem } from '../infra/errors.js';
import { extractHandles, extractRefusal } from './body.js';
import { readFrontmatter } from './frontmatter.js';
import { resolveModel } from './models.js';
import { examplePrompts } from './prompts.js';
import { parseScalingApproach } from './scaling.js';
import { agentFrontmatterSchema, chatmodeFrontmatterSchema, type Dialect, type Persona } from './schema.js';

export type { Persona } from './schema.js';

/** Every persona file of one folder, by id (file name without `.md`). */
export class PersonaRegistry {
  readonly #byId: ReadonlyMap<string, Persona>;

  constructor(personas: readonly Persona[]) {
    this.#byId = new Map(personas.map((p) => [p.id, p]));
  }

  get(id: string): Persona | undefined {
    return this.#byId.get(id);
  }

  /** Like `get`, but a missing id is a settings problem; `where` names the setting that asked for it. */
  require(id: string, where = 'luna.config.yml: persona'): Persona {
    const persona = this.#byId.get(id);
    if (persona) return persona;
    throw new SettingsError('luna_persona_invalid', [
      {
        where,
        problem: `no persona "${id}"`,
        fix: `use one of: ${[...this.#byId.keys()].join(', ') || '(none loaded)'}`,
      },
    ]);
  }

  list(): Persona[] {
    return [...this.#byId.values()];
  }
}

/**
 * Read every `*.md` file directly in `dir` (dotfiles such as editor lock files skipped). Problems from all
 * files are collected and thrown as one SettingsError, so an operator fixes them in one pass.
 */
export async function loadPersonas(dir: string): Promise<PersonaRegistry> {
  const folder = `${path.basename(path.resolve(dir))}/`;
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.toLowerCase().endsWith('.md') && !n.startsWith('.')).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw folderError(
      dir,
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'ENOTDIR'
          ? 'is not a folder'
          : `cannot be read (${code ?? String(error)})`,
    );
  }

  const problems: SettingProblem[] = [];
  const personas: Persona[] = [];
  for (const name of names) {
    const full = path.join(dir, name);
    if (!(await stat(full).catch(() => undefined))?.isFile()) continue;
    const result = loadPersona(name, `${folder}${name}`, await readFile(full));
    if (Array.isArray(result)) problems.push(...result);
    else personas.push(result);
  }

  if (problems.length > 0) throw new SettingsError('luna_persona_invalid', problems);
  if (personas.length === 0) throw folderError(dir, 'holds no persona files (*.md)');
  return new PersonaRegistry(personas);
}

function folderError(dir: string, problem: string): SettingsError {
  return new SettingsError('luna_persona_invalid', [
    {
      where: `persona folder ${dir}`,
      problem,
      fix: 'add at least one persona file (e.g. personas/luna.md) there, or point LUNA_PERSONAS_DIR at the folder that holds them',
    },
  ]);
}

/** One file: a Persona, or every problem found in it. */
function loadPersona(name: string, file: string, bytes: Buffer): Persona | SettingProblem[] {
  const at = (field: string) => `${file}: ${field}`;
  const text = decodeUtf8(bytes);
  if (typeof text !== 'string') {
    return [
      {
        where: at('encoding'),
        problem: `is not UTF-8 text (undecodable bytes at line ${text.badLine})`,
        fix: 'save the file as UTF-8',
      },
    ];
  }

  const fm = readFrontmatter(text);
  if (!fm.ok) return [{ where: at(fm.problem.field), problem: fm.problem.problem, fix: fm.problem.fix }];

  const dialect: Dialect = Object.hasOwn(fm.data, 'tools') ? 'chatmode' : 'agent';
  const schema = dialect === 'chatmode' ? chatmodeFrontmatterSchema : agentFrontmatterSchema;
  const parsed = schema.safeParse(fm.data);
  const problems: SettingProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => describeIssue(i, fm.data, at));
  const systemPrompt = fm.body.trim();
  if (systemPrompt === '') {
    problems.push({
      where: at('body'),
      problem: 'is empty; the body is the system prompt',
      fix: 'write the persona under the frontmatter',
    });
  }
  if (!parsed.success || problems.length > 0) return problems;

  const data = parsed.data;
  const id = name.replace(/\.md$/i, '');
  const warnings = fm.warnings.map((w) => `${file}: ${w}`);
  const replacementChar = text.indexOf('\uFFFD');
  if (replacementChar !== -1) {
    warnings.push(
      `${at('encoding')}: contains "\uFFFD" at line ${lineOf(text, replacementChar)}; the text was damaged by an earlier conversion`,
    );
  }
  for (const key of Object.keys(fm.data).filter((k) => !Object.hasOwn(schema.shape, k))) {
    warnings.push(`${at(key)}: unknown ${dialect} frontmatter key, ignored`);
  }

  const model = resolveModel(data.model);
  if (model.warning) warnings.push(`${at('model')}: ${model.warning}`);

  const scaling = parseScalingApproach(systemPrompt);
  if (scaling.humanHandles.length === 0) {
    warnings.push(`${at('Scaling Approach')}: names no human-handled areas (escalation disabled)`);
  }

  const personaName = data.name ?? id;
  const fromBody = dialect === 'chatmode' ? examplePrompts(systemPrompt) : [];
  const suggestedPrompts = data.suggestedPrompts ?? (fromBody.length ? fromBody : undefined);
  return {
    id,
    name: personaName,
    file,
    dialect,
    description: data.description,
    ...optional('color', 'color' in data ? data.color : undefined),
    ...optional('tools', 'tools' in data ? data.tools : undefined),
    model: model.id,
    ...optional('declaredModel', data.model),
    warnings,
    systemPrompt,
    scaling,
    handles: extractHandles(systemPrompt, [id, personaName]),
    ...optional('refusal', extractRefusal(systemPrompt)),
    ...optional('suggestedPrompts', suggestedPrompts),
    ...optional('loadingMessages', data.loadingMessages),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** Strict UTF-8: a lenient decode would silently turn bad bytes into "\uFFFD" in the system prompt. */
function decodeUtf8(bytes: Buffer): string | { badLine: number } {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const lossy = new TextDecoder('utf-8').decode(bytes);
    return { badLine: lineOf(lossy, lossy.indexOf('\uFFFD')) };
  }
}

function lineOf(text: string, index: number): number {
  return text.slice(0, Math.max(index, 0)).split('\n').length;
}

const FIELD_FIX: Record<string, string> = {
  description: 'add `description: <one line on what this persona does>` to the frontmatter',
  model: 'write an alias (`model: sonnet`, `haiku`, `opus`) or a Claude model id, or remove the line',
  name: 'write `name: <short name>` or remove the line (the file name is used then)',
  color: 'write a colour name such as `color: cyan`, or remove the line',
  tools: "write the tools as a list, e.g. `tools: ['search', 'think']`",
  suggestedPrompts:
    'write 1 to 4 entries, each `- title: <short title>` with `message: <the prompt>`, or remove the key',
  loadingMessages: 'write 1 to 10 short lines, e.g. `- Reading the thread…`, or remove the key',
};

const EXPECTED: Record<string, string> = {
  description: 'non-empty text',
  model: 'text',
  name: 'non-empty text',
  color: 'text',
  tools: 'a list of text entries',
};

function describeIssue(
  issue: z.core.$ZodIssue,
  data: Record<string, unknown>,
  at: (field: string) => string,
): SettingProblem {
  const [key, index] = issue.path;
  const field = String(key ?? 'frontmatter');
  const fix = FIELD_FIX[field] ?? 'fix or remove this key';
  if (field === 'suggestedPrompts' || field === 'loadingMessages') {
    const where = issue.path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join('');
    const tooLong = issue.code === 'too_big' && issue.origin === 'string';
    const problem =
      issue.code === 'too_big'
        ? tooLong
          ? `is longer than ${String(issue.maximum)} characters`
          : `has too many entries (at most ${String(issue.maximum)})`
        : issue.code === 'too_small'
          ? 'is empty'
          : issue.message.toLowerCase();
    return { where: at(where), problem, fix };
  }
  if (typeof index === 'number') {
    const value = (data[field] as unknown[] | undefined)?.[index];
    return { where: at(`${field}[${index}]`), problem: `must be text, got ${kindOf(value)}`, fix };
  }
  if (!(field in data)) return { where: at(field), problem: 'is missing', fix };
  const value = data[field];
  const problem =
    issue.code === 'too_small' ? 'is empty' : `must be ${EXPECTED[field] ?? 'valid'}, got ${kindOf(value)}`;
  return { where: at(field), problem, fix };
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'text';
  return typeof value === 'number' || typeof value === 'boolean' ? `a ${typeof value} (${value})` : `a ${typeof value}`;
}
