import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import matter from 'gray-matter';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SettingsError } from '../../src/infra/errors.js';
import { loadPersonas } from '../../src/personas/registry.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/personas/', import.meta.url));
const GOOD = path.join(FIXTURES, 'good');
const BAD = path.join(FIXTURES, 'bad');

async function settingsError(run: Promise<unknown>): Promise<SettingsError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SettingsError);
  const settings = error as SettingsError;
  expect(settings.code).toBe('luna_persona_invalid');
  return settings;
}

describe('loadPersonas on valid files', () => {
  it('loads both dialects, keyed by file name', async () => {
    const registry = await loadPersonas(GOOD);
    expect(registry.list().map((p) => p.id)).toEqual([
      'legacy-advisor',
      'minimal',
      'onboarding-guide.chatmode',
      'renewal-coach',
    ]);

    const coach = registry.require('renewal-coach');
    expect(coach).toMatchObject({
      name: 'Renewal Coach',
      file: 'good/renewal-coach.md',
      dialect: 'agent',
      description: 'Helps account teams prepare renewals and spot accounts that are drifting away.',
      color: 'green',
      model: 'claude-haiku-5-5',
      declaredModel: 'Haiku',
    });
    expect(coach.systemPrompt.startsWith('You are the Renewal Coach.')).toBe(true);

    const guide = registry.require('onboarding-guide.chatmode');
    expect(guide.dialect).toBe('chatmode');
    expect(guide.tools).toEqual(['search', 'think', 'editFiles']);
    expect(guide.name).toBe('onboarding-guide.chatmode');
  });

  it('falls back from a non-Claude model with a warning that names it', async () => {
    const guide = (await loadPersonas(GOOD)).require('onboarding-guide.chatmode');
    expect(guide.model).toBe('claude-sonnet-5-5');
    expect(guide.declaredModel).toBe('GPT-5 mini');
    expect(guide.warnings).toEqual([
      "good/onboarding-guide.chatmode.md: model: 'GPT-5 mini' is not a Claude model; using claude-sonnet-5-5 instead",
    ]);
  });

  it('replaces a deprecated model id with a warning', async () => {
    const legacy = (await loadPersonas(GOOD)).require('legacy-advisor');
    expect(legacy.model).toBe('claude-sonnet-5-5');
    expect(legacy.warnings.join('\n')).toMatch(/model: 'claude-sonnet-4-5-20250929' is deprecated/);
  });

  it('parses the Scaling Approach in bold, mojibake and list forms', async () => {
    const registry = await loadPersonas(GOOD);
    expect(registry.require('renewal-coach').scaling).toEqual({
      aiHandles: ['Renewal checklists', 'usage summaries', 'risk flags'],
      humanHandles: ['Pricing exceptions', 'Multi-year commitments'],
      collaboration: 'The coach drafts, the account manager decides',
    });
    expect(registry.require('onboarding-guide.chatmode').scaling).toEqual({
      aiHandles: ['Kickoff agendas', 'setup checklists', 'first-week check-ins'],
      humanHandles: ['Go-live sign-off', 'Escalated onboarding blockers'],
      collaboration: 'The guide prepares every step and a person signs off on go-live',
    });
    expect(registry.require('legacy-advisor').scaling).toEqual({
      aiHandles: ['Weekly health summaries', 'Survey theme clustering'],
      humanHandles: ['Strategic account planning', 'Contract renegotiation'],
      collaboration: 'Advisor drafts the plan; The CSM owns the conversation',
    });
  });

  it('derives handles, the refusal template and warnings for unknown keys and missing escalation areas', async () => {
    const registry = await loadPersonas(GOOD);
    const coach = registry.require('renewal-coach');
    expect(coach.handles).toEqual(['finance', 'sales-team']);
    expect(coach.refusal).toBeUndefined();
    expect(coach.warnings).toEqual(['good/renewal-coach.md: version: unknown agent frontmatter key, ignored']);

    expect(registry.require('onboarding-guide.chatmode').refusal).toBe(
      'NOT MY SCOPE: Onboarding Guide ‚Äî I only cover the first ninety days. Ask Support or Finance instead.',
    );

    const minimal = registry.require('minimal');
    expect(minimal).toMatchObject({ name: 'minimal', model: 'claude-sonnet-5-5', handles: [] });
    expect(minimal.declaredModel).toBeUndefined();
    expect(minimal.scaling).toEqual({ aiHandles: [], humanHandles: [] });
    expect(minimal.warnings).toHaveLength(1);
    expect(minimal.warnings[0]).toContain('escalation disabled');
  });

  it('get returns undefined and require lists the available ids', async () => {
    const registry = await loadPersonas(GOOD);
    expect(registry.get('nobody')).toBeUndefined();
    const error = await settingsError(Promise.resolve().then(() => registry.require('nobody')));
    expect(error.problems).toEqual([
      {
        where: 'luna.config.yml: persona',
        problem: 'no persona "nobody"',
        fix: 'use one of: legacy-advisor, minimal, onboarding-guide.chatmode, renewal-coach',
      },
    ]);
  });
});

describe('loadPersonas on broken files', () => {
  it('throws one SettingsError naming every bad file and field', async () => {
    const error = await settingsError(loadPersonas(BAD));
    const where = error.problems.map((p) => p.where);
    expect(where).toEqual([
      'bad/broken-yaml.md: frontmatter',
      'bad/empty-body.md: body',
      'bad/exec.md: frontmatter',
      'bad/model-number.md: model',
      'bad/no-description.md: description',
      'bad/no-frontmatter.md: frontmatter',
      'bad/tools-string.md: tools',
    ]);
    const byWhere = new Map(error.problems.map((p) => [p.where, p]));
    expect(byWhere.get('bad/broken-yaml.md: frontmatter')?.problem).toMatch(/^YAML syntax error at line 4: /);
    expect(byWhere.get('bad/model-number.md: model')?.problem).toBe('must be text, got a number (4.5)');
    expect(byWhere.get('bad/no-description.md: description')?.problem).toBe('is missing');
    expect(byWhere.get('bad/no-frontmatter.md: frontmatter')?.problem).toMatch(/has no frontmatter/);
    expect(byWhere.get('bad/tools-string.md: tools')?.problem).toBe('must be a list of text entries, got text');
    for (const p of error.problems) expect(p.fix).toBeTruthy();
    expect(error.message).toContain('bad/tools-string.md: tools: must be a list of text entries');
  });

  it('rejects `---js` frontmatter without ever running it', async () => {
    const error = await settingsError(loadPersonas(BAD));
    const exec = error.problems.find((p) => p.where === 'bad/exec.md: frontmatter');
    expect(exec?.problem).toMatch(/marked as 'js'.*never run/);
    expect((globalThis as { PWNED?: unknown }).PWNED).toBeUndefined();
  });

  it('uses a fixture that gray-matter’s defaults really would execute', async () => {
    // Proves the test above is not vacuous: left to its defaults, gray-matter evals the block.
    const text = await readFile(path.join(BAD, 'exec.md'), 'utf8');
    try {
      expect(matter(text, { language: 'yaml' }).data).toEqual({ description: 'ran code' });
      expect((globalThis as { PWNED?: unknown }).PWNED).toBe(true);
    } finally {
      delete (globalThis as { PWNED?: unknown }).PWNED;
    }
  });
});

describe('loadPersonas edge cases', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'luna-personas-'));
  });
  afterEach(async () => {
    delete (globalThis as { PWNED?: unknown }).PWNED;
    await rm(dir, { recursive: true, force: true });
  });
  const file = (name: string, text: string | Buffer) => writeFile(path.join(dir, name), text);
  const folder = () => path.basename(dir);

  it('rejects every executable or non-YAML engine spelling, and the same text twice (no cache)', async () => {
    const code = "(() => { globalThis.PWNED = true; return { description: 'x' } })()";
    await file('a.md', `---js\n${code}\n---\nbody\n`);
    await file('b.md', `--- javascript\n${code}\n---\nbody\n`);
    await file('c.md', `---JS\n${code}\n---\nbody\n`);
    await file('d.md', `---coffee\ndescription: 'x'\n---\nbody\n`);
    await file('e.md', `---json\n{"description": "x"}\n---\nbody\n`);
    await file('f.md', `---constructor\ndescription: x\n---\nbody\n`);
    for (let run = 0; run < 2; run++) {
      const error = await settingsError(loadPersonas(dir));
      expect(error.problems.map((p) => p.where)).toEqual(
        ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `${folder()}/${n}.md: frontmatter`),
      );
      expect((globalThis as { PWNED?: unknown }).PWNED).toBeUndefined();
    }
  });

  it('accepts an explicit yaml language, CRLF line endings and a BOM', async () => {
    await file('crlf.md', '\uFEFF---yaml\r\ndescription: Windows file\r\nmodel: opus\r\n---\r\nBody line.\r\n');
    const persona = (await loadPersonas(dir)).require('crlf');
    expect(persona).toMatchObject({
      description: 'Windows file',
      model: 'claude-opus-5-5',
      systemPrompt: 'Body line.',
    });
  });

  it('reports undecodable UTF-8 with its line, and unterminated frontmatter', async () => {
    await file(
      'latin1.md',
      Buffer.concat([Buffer.from('---\ndescription: caf'), Buffer.from([0xe9]), Buffer.from('\n---\nbody\n')]),
    );
    await file('open.md', '---\ndescription: never closed\n\nbody\n');
    const error = await settingsError(loadPersonas(dir));
    expect(error.problems).toEqual([
      {
        where: `${folder()}/latin1.md: encoding`,
        problem: 'is not UTF-8 text (undecodable bytes at line 2)',
        fix: 'save the file as UTF-8',
      },
      expect.objectContaining({ where: `${folder()}/open.md: frontmatter`, problem: 'frontmatter is never closed' }),
    ]);
  });

  it('warns about keys that shadow Object properties and never pollutes prototypes', async () => {
    await file('proto.md', '---\ndescription: ok\nconstructor: x\n__proto__: { polluted: true }\n---\nbody\n');
    const persona = (await loadPersonas(dir)).require('proto');
    expect(persona.warnings.filter((w) => w.includes('unknown agent frontmatter key'))).toHaveLength(2);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('reports a blank description as empty', async () => {
    await file('blank.md', '---\ndescription: "  "\n---\nbody\n');
    const error = await settingsError(loadPersonas(dir));
    expect(error.problems).toEqual([
      expect.objectContaining({ where: `${folder()}/blank.md: description`, problem: 'is empty' }),
    ]);
  });

  it('warns about YAML tags it does not know instead of acting on them', async () => {
    await file('tagged.md', '---\ndescription: !!js/function "function () { return 1 }"\n---\nbody\n');
    const persona = (await loadPersonas(dir)).require('tagged');
    expect(persona.description).toBe('function () { return 1 }');
    expect(persona.warnings.some((w) => w.includes('frontmatter:'))).toBe(true);
  });

  it('reports an empty folder, a missing folder and a file given as the folder', async () => {
    await file('notes.txt', 'not a persona');
    await mkdir(path.join(dir, 'nested.md'));
    await file('.#luna.md', 'editor lock file');
    const empty = await settingsError(loadPersonas(dir));
    expect(empty.problems).toEqual([
      expect.objectContaining({ where: `persona folder ${dir}`, problem: 'holds no persona files (*.md)' }),
    ]);

    const missing = await settingsError(loadPersonas(path.join(dir, 'absent')));
    expect(missing.problems[0]?.problem).toBe('does not exist');

    const notFolder = await settingsError(loadPersonas(path.join(dir, 'notes.txt')));
    expect(notFolder.problems[0]?.problem).toBe('is not a folder');
  });
});
