import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, readFolder, readQuestions } from '../../src/knowledge/evaluate.js';
import { FakeVoyage } from '../fakes/voyage-server.js';

/** `npm run eval:knowledge` on the sample corpus, as a CS lead runs it (its own process). */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const QUESTIONS = 'test/fixtures/knowledge/questions.csv';
const CORPUS = 'test/fixtures/knowledge/corpus';

let voyage: FakeVoyage;
beforeAll(async () => {
  voyage = await FakeVoyage.start();
});
afterAll(() => voyage.close());

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', TSX, path.resolve('src/cli/knowledge-eval.ts'), ...args],
      { env: { ...process.env, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const figures = (stdout: string, label: string) => {
  const line = stdout.split('\n').find((l) => l.startsWith(label));
  const m = /recall@1\s+([\d.]+)%\s+recall@5\s+([\d.]+)%\s+MRR ([\d.]+)/.exec(line ?? '');
  return m ? { at1: Number(m[1]), at5: Number(m[2]), mrr: Number(m[3]) } : undefined;
};

describe('npm run eval:knowledge', () => {
  it('prints recall@1, recall@5 and MRR for BM25 with and without the context line, and hybrid with a Voyage key', async () => {
    const { code, stdout } = await run(['--questions', QUESTIONS, '--dir', CORPUS], {
      VOYAGE_API_KEY: 'pa-test',
      VOYAGE_BASE_URL: voyage.url,
    });
    expect(code).toBe(0);
    const docs = await readFolder(CORPUS);
    const questions = readQuestions(await readFile(QUESTIONS, 'utf8'));
    const expected = await evaluate(docs, questions);
    const printed = figures(stdout, 'BM25 + context line');
    expect(printed).toEqual({
      at1: Number((expected.recallAt1 * 100).toFixed(1)),
      at5: Number((expected.recallAt5 * 100).toFixed(1)),
      mrr: Number(expected.mrr.toFixed(3)),
    });
    // The sample set is the project's own yardstick: the context line must keep earning its place.
    const plain = figures(stdout, 'BM25, passage text only')!;
    expect(printed!.mrr).toBeGreaterThan(plain.mrr);
    expect(printed!.at5).toBeGreaterThanOrEqual(90);
    expect(figures(stdout, 'hybrid')).toBeDefined();
    expect(voyage.requests.some((r) => r.input_type === 'query')).toBe(true);
  });

  it('says how to call it when --questions is missing', async () => {
    const { code, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/usage: npm run eval:knowledge -- --questions/);
  });
});
