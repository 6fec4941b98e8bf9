import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './global-redis.js';

/** Whether a command is on PATH (redis-server, openssl), so tests that need their own server can skip cleanly. */
export function onPath(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    try {
      execFileSync(cmd, ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  }
}

export interface RedisServer {
  port: number;
  dir: string;
  /** SIGKILL, as a crash or an OOM kill would: nothing is flushed that was not already written. */
  kill(): Promise<void>;
  /** Starts it again on the same port, in the same folder (so an AOF there is loaded). */
  restart(): Promise<void>;
  /** Kills it and removes its folder. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** @defaultValue a free one */
  port?: number;
}

/**
 * A throwaway redis-server of the test's own (cluster mode, TLS, AOF, …), in a scratch folder, gone after `stop`.
 * `args(port, dir)` returns the server's arguments (later ones win over the defaults: no persistence); the port is
 * free and the folder is empty.
 */
export async function startRedisServer(args: (port: number, dir: string) => string[], opts: RedisServerOptions = {}): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), 'luna-redis-'));
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const p = spawn('redis-server', ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args(port, dir)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc = p;
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    const deadline = Date.now() + 10_000;
    while (!/Ready to accept connections/.test(out)) {
      if (Date.now() > deadline || p.exitCode !== null) {
        p.kill('SIGKILL');
        throw new Error(`redis-server did not start:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const kill = async () => {
    proc?.kill('SIGKILL');
    await exited;
  };
  await start();
  const stop = async () => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
  };
  return { port, dir, kill, restart: start, stop };
}

/** A self-signed certificate for localhost and 127.0.0.1, written as cert.pem and key.pem into `dir`. */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
