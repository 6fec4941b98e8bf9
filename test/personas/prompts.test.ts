import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { examplePrompts, titleOf } from '../../src/personas/prompts.js';
import { SettingsError } from '../../src/infra/errors.js';
import { loadPersonas } from '../../src/personas/registry.js';

const GOOD = fileURLToPath(new URL('../fixtures/personas/good/', import.meta.url));

/** A chatmode file's "Example Prompts" section, in the dialect's shape (sub-headings, quoted items, NOT MY SCOPE examples). */
const CHATMODE_BODY = `# 👔 Guide

## Example Prompts

### Core Workflow Examples:
- "Map the onboarding journey of a new enterprise customer and flag the riskiest step."
- "Summarise last quarter's feedback into themes with owners."

### Collaboration Examples:
- "Work with the product team to validate the analytics feature with three customers."

### Edge Case Examples:
- "Implement the new authentication system." → NOT MY SCOPE: Use Developer
- "Debug the server." → NOT MY SCOPE: Use DevOps

---

## Quality Standards
- "Not a prompt."
`;

describe('suggested prompts from a persona', () => {
  it('reads a chatmode file’s Example Prompts: the examples to ask, never the ones showing what is out of scope', () => {
    expect(examplePrompts(CHATMODE_BODY)).toEqual([
      {
        title: 'Map the onboarding journey of a new…',
        message: 'Map the onboarding journey of a new enterprise customer and flag the riskiest step.',
      },
      {
        title: "Summarise last quarter's feedback into…",
        message: "Summarise last quarter's feedback into themes with owners.",
      },
      {
        title: 'Work with the product team to validate…',
        message: 'Work with the product team to validate the analytics feature with three customers.',
      },
    ]);
    expect(examplePrompts('# No prompts here\n- just a list')).toEqual([]);
    expect(titleOf('Map a journey.')).toBe('Map a journey');
  });

  it('frontmatter wins; a chatmode body serves otherwise; a persona with neither has none (the manifest’s apply)', async () => {
    const registry = await loadPersonas(GOOD);
    expect(registry.require('minimal').suggestedPrompts).toBeUndefined();
    expect(registry.require('minimal').loadingMessages).toBeUndefined();
    const luna = (await loadPersonas(fileURLToPath(new URL('../../personas/', import.meta.url)))).require('luna');
    expect(luna.suggestedPrompts).toHaveLength(4);
    expect(luna.loadingMessages!.length).toBeLessThanOrEqual(10);
  });

  it('names what is wrong with suggestedPrompts or loadingMessages, field by field', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'luna-personas-'));
    const prompts = Array.from({ length: 5 }, (_, i) => `  - title: P${i}\n    message: Ask ${i}`).join('\n');
    await writeFile(
      path.join(dir, 'p.md'),
      `---\ndescription: d\nsuggestedPrompts:\n${prompts}\nloadingMessages:\n  - ''\n---\nBody.\n`,
    );
    const error = await loadPersonas(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems.map((p) => `${p.where}: ${p.problem}`)).toEqual([
      `${path.basename(dir)}/p.md: suggestedPrompts: has too many entries (at most 4)`,
      `${path.basename(dir)}/p.md: loadingMessages[0]: is empty`,
    ]);
  });
});
