import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/**
 * The suite always runs against a real Redis. If none answers at REDIS_URL, start a throwaway
 * `redis-server` from PATH on a free port; if there is none, fail with one line saying how to get it.
 */
let child: ChildProcess | undefined;

export async function setup(): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await answers(url)) {
    process.env.REDIS_URL = url;
    return;
  }
  const port = await freePort();
  child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const spawned = await new Promise<boolean>((resolve) => {
    child!.once('error', () => resolve(false));
    child!.once('spawn', () => resolve(true));
  });
  if (!spawned) {
    throw new Error(
      `Redis does not answer at ${url} and redis-server is not on PATH — install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL.`,
    );
  }
  const throwaway = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await answers(throwaway)); i++) await new Promise((r) => setTimeout(r, 100));
  process.env.REDIS_URL = throwaway;
}

export function teardown(): void {
  child?.kill('SIGTERM');
}

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
