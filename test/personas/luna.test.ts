import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { estimateTokens, minCacheableTokens } from '../../src/personas/models.js';
import { loadPersonas, type Persona } from '../../src/personas/registry.js';

const PERSONAS = fileURLToPath(new URL('../../personas/', import.meta.url));

describe('personas/luna.md', () => {
  let luna: Persona;
  beforeAll(async () => {
    luna = (await loadPersonas(PERSONAS)).require('luna');
  });

  it('loads as an agent file on the Sonnet alias without warnings', () => {
    expect(luna).toMatchObject({
      id: 'luna',
      name: 'luna',
      file: 'personas/luna.md',
      dialect: 'agent',
      model: 'claude-sonnet-5-5',
      declaredModel: 'sonnet',
    });
    expect(luna.color).toBeTruthy();
    expect(luna.warnings).toEqual([]);
  });

  it('names exactly the four escalation areas luna.config.yml assigns owners to', () => {
    expect(luna.scaling.humanHandles).toEqual([
      'Strategic customer relationship decisions',
      'Complex customer negotiations',
      'High-touch customer success initiatives',
      'Executive customer relationships',
    ]);
    expect(luna.scaling.aiHandles.length).toBeGreaterThan(0);
    expect(luna.scaling.collaboration).toBeTruthy();
  });

  it('has a NOT MY SCOPE refusal and the coordination handles, and no broadcast', () => {
    expect(luna.refusal).toMatch(/^NOT MY SCOPE: /);
    expect([...luna.handles].sort()).toEqual([
      'analytics',
      'content',
      'finance',
      'marketing',
      'operations',
      'pr',
      'sales',
      'strategy',
    ]);
    for (const team of ['engineering', 'DevOps', 'data/BI']) expect(luna.systemPrompt).toContain(team);
  });

  it('keeps the sections the product relies on', () => {
    const headings = luna.systemPrompt
      .split('\n')
      .filter((l) => l.startsWith('## '))
      .map((l) => l.slice(3));
    for (const section of [
      'Identity & voice',
      'What I do',
      'Out of scope',
      'Refusal protocol',
      'Coordination handles',
      'KPIs and targets',
      'Scaling Approach',
      'Escalation',
      'Worked examples',
    ]) {
      expect(headings).toContain(section);
    }
    for (const target of ['4.5 out of 5', '90%', '85%', '80%', '75%']) expect(luna.systemPrompt).toContain(target);
  });

  it('is long enough for prompt caching on its model', () => {
    expect(estimateTokens(luna.systemPrompt)).toBeGreaterThan(minCacheableTokens(luna.model));
  });
});
