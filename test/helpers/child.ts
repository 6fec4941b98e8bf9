import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// By file URL, so a child started in another folder (its own ./.luna) still finds tsx.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Runs the real entry point (src/main.ts, or another script) in its own process, as production does, with the given env. */
export function startChild(
  env: Record<string, string>,
  script = 'src/main.ts',
  opts: { cwd?: string } = {},
): { proc: ChildProcess; output: () => string; errors: () => string; exited: Promise<number | null> } {
  let out = '';
  let err = '';
  // TypeScript through tsx; built JavaScript (dist/main.js) as `npm start` runs it.
  const args = script.endsWith('.ts') ? ['--import', TSX, path.resolve(script)] : [path.resolve(script)];
  // Node flags that NODE_OPTIONS refuses (`--cpu-prof` for `npm run bench -- --cpu-prof DIR`), put before the script.
  const nodeArgs = env.BENCH_NODE_ARGS ? env.BENCH_NODE_ARGS.split(' ') : [];
  const proc = spawn(process.execPath, [...nodeArgs, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => ((out += d), (err += d)));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, output: () => out, errors: () => err, exited };
}

export async function waitForOutput(output: () => string, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(output())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in child output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
