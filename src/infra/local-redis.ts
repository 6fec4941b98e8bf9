import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { LunaError } from './errors.js';
import type { Logger } from './log.js';
import { sleep } from './wait.js';

/**
 * The Redis `npm start` runs when none is configured and none answers at 127.0.0.1:6379: a redis-server
 * from PATH, on loopback only, with AOF on and its data in ./.luna/redis, for one machine. It is
 * supervised (restarted if it dies), stopped with LUNA, and the next start uses the same folder (so the
 * same data) and, when free, the same port. A server a killed LUNA left running is recognised by its
 * pid and folder and adopted rather than started twice on the same files. (Just over 250 lines: start, adopt,
 * supervise and stop share the process handling.)
 */
export interface LocalRedis {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

export interface LocalRedisOptions {
  log: Logger;
  /** @defaultValue the last port used, if free, else a free one */
  port?: number;
  /** @defaultValue ./.luna/redis */
  dir?: string;
  /** @defaultValue redis-server */
  binary?: string;
}

interface State {
  port: number;
  pid?: number | undefined;
}

/** Whether a Redis answers at `url` (an AUTH refusal counts: something is there and it is Redis). */
export async function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch (err) {
    return (err as Error).name === 'ReplyError';
  } finally {
    redis.disconnect();
  }
}

/** Starts (or adopts) the local Redis; undefined when there is no redis-server binary to start. */
export async function startLocalRedis(o: LocalRedisOptions): Promise<LocalRedis | undefined> {
  const binary = o.binary ?? 'redis-server';
  if (spawnSync(binary, ['--version'], { stdio: 'ignore' }).error) return undefined;
  const dir = path.resolve(o.dir ?? path.join('.luna', 'redis'));
  mkdirSync(dir, { recursive: true });
  const stateFile = path.join(dir, 'luna-redis.json');
  const prev = readState(stateFile);

  if (prev?.pid && alive(prev.pid) && (await isOurs(prev.port, prev.pid, dir))) {
    o.log.info(
      `using the local Redis a previous LUNA left running at redis://127.0.0.1:${prev.port} (data in ${dir}); single machine only`,
      {
        url: `redis://127.0.0.1:${prev.port}`,
        dir,
        pid: prev.pid,
      },
    );
    return adopted(prev.port, prev.pid, dir, stateFile, o.log);
  }

  const port = o.port ?? (prev && (await portFree(prev.port)) ? prev.port : await freePort());
  const server = new Supervised(binary, port, dir, stateFile, o.log);
  await server.start();
  o.log.info(
    `started a local Redis at redis://127.0.0.1:${port} (loopback only, AOF on, data in ${dir}); it is for a single machine — set REDIS_URL to share one Redis between machines`,
    { url: `redis://127.0.0.1:${port}`, dir, aof: true },
  );
  return { url: `redis://127.0.0.1:${port}`, port, dir, stop: () => server.stop() };
}

class Supervised {
  private proc: ChildProcess | undefined;
  private stopping = false;
  private restarts: number[] = [];

  constructor(
    private readonly binary: string,
    private readonly port: number,
    private readonly dir: string,
    private readonly stateFile: string,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--protected-mode', 'yes', '--daemonize', 'no'];
    args.push(
      '--dir',
      this.dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--logfile',
      path.join(this.dir, 'redis.log'),
    );
    // Its own process group: a Ctrl-C meant for LUNA reaches LUNA, which stops Redis after it has stopped using it.
    const proc = spawn(this.binary, args, { stdio: 'ignore', detached: true });
    this.proc = proc;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const url = `redis://127.0.0.1:${this.port}`;
    const deadline = Date.now() + 15_000;
    while (!(await redisAnswers(url, 300))) {
      if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        await exited;
        throw new LunaError(
          'luna_redis_unavailable',
          `the local redis-server did not start on port ${this.port}; see ${path.join(this.dir, 'redis.log')}`,
        );
      }
      await sleep(50);
    }
    writeState(this.stateFile, { port: this.port, pid: proc.pid });
    proc.once('exit', (code, signal) => void this.exited(code, signal));
  }

  private async exited(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.stopping) return;
    const now = Date.now();
    this.restarts = [...this.restarts.filter((t) => now - t < 60_000), now];
    if (this.restarts.length > 5) {
      this.log.error('the local Redis keeps exiting; not restarting it again', {
        code,
        signal,
        log: path.join(this.dir, 'redis.log'),
      });
      return;
    }
    this.log.warn('the local Redis exited; restarting it (same port, same data)', { code, signal });
    await sleep(500);
    if (this.stopping) return;
    await this.start().catch((err: unknown) => this.log.error('could not restart the local Redis', { err }));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM'); // Redis flushes the AOF and exits
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    writeState(this.stateFile, { port: this.port });
  }
}

function adopted(port: number, pid: number, dir: string, stateFile: string, log: Logger): LocalRedis {
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      for (let i = 0; i < 200 && alive(pid); i++) await sleep(50);
      if (alive(pid)) {
        log.warn('the local Redis did not stop within 10 s; killing it', { pid });
        process.kill(pid, 'SIGKILL');
      }
      writeState(stateFile, { port });
    },
  };
}

/** The server on `port` is the one with this pid and this data folder. */
async function isOurs(port: number, pid: number, dir: string): Promise<boolean> {
  const redis = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const info = await redis.info('server');
    const [, served] = (await redis.config('GET', 'dir')) as [string, string];
    return new RegExp(`^process_id:${pid}\\s*$`, 'm').test(info) && path.resolve(served) === dir;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readState(file: string): State | undefined {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<State>;
    return typeof s.port === 'number'
      ? { port: s.port, pid: typeof s.pid === 'number' ? s.pid : undefined }
      : undefined;
  } catch {
    return undefined;
  }
}

function writeState(file: string, state: State): void {
  writeFileSync(file, JSON.stringify(state) + '\n');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
