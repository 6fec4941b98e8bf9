import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * No Docker engine runs where the tests run, so this is not a build: it reads the Dockerfile and checks the
 * promises it makes. Continuation lines are joined and comments dropped; nothing else is interpreted.
 */
const lines = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8')
  .replace(/\\\r?\n/g, ' ')
  .split(/\r?\n/)
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const instruction = (line: string): string => line.split(/\s+/, 1)[0]!.toUpperCase();
const stageStarts = lines.flatMap((l, i) => (instruction(l) === 'FROM' ? [i] : []));
const finalStage = lines.slice(stageStarts.at(-1));
const inFinal = (name: string): string[] => finalStage.filter((l) => instruction(l) === name);

describe('Dockerfile', () => {
  it('is multi-stage on Node 20', () => {
    expect(stageStarts.length).toBeGreaterThanOrEqual(2);
    for (const i of stageStarts) expect(lines[i]).toMatch(/^FROM node:20-bookworm-slim\b/);
  });

  it('installs production dependencies only in the final stage and copies the build output into it', () => {
    expect(inFinal('RUN').some((l) => /\bnpm ci\b.*--omit=dev/.test(l))).toBe(true);
    expect(inFinal('COPY').some((l) => /--from=\S+\s+\S*dist\b/.test(l))).toBe(true);
  });

  it('runs as a non-root user', () => {
    const user = inFinal('USER').at(-1)?.split(/\s+/)[1];
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('checks health on /healthz with node, and starts dist/main.js', () => {
    expect(inFinal('HEALTHCHECK')).toEqual([expect.stringMatching(/CMD \["node",.*\/healthz/)]);
    expect(inFinal('CMD').at(-1)).toBe('CMD ["node", "dist/main.js"]');
  });
});
