import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
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
export async function startRedisServer(
  args: (port: number, dir: string) => string[],
  opts: RedisServerOptions = {},
): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), 'luna-redis-'));
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const p = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args(port, dir)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
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

export interface RedisCluster {
  ports: number[];
  /** `127.0.0.1:P1,127.0.0.1:P2,…`, as REDIS_CLUSTER_NODES takes it. */
  nodes: string;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** @defaultValue a free one */
  port?: number;
}

/**
 * A real Redis Cluster of `masters` nodes (no replicas), each in its own folder, joined by `redis-cli --cluster create`.
 * With `tls`, the nodes speak TLS only (clients and the cluster bus) with that certificate, which is also their CA.
 */
export async function startRedisCluster(
  masters = 3,
  opts: { tls?: { cert: string; key: string } } = {},
): Promise<RedisCluster> {
  const { tls } = opts;
  const servers = await Promise.all(
    Array.from({ length: masters }, () =>
      startRedisServer((port, dir) => [
        ...(tls
          ? [
              '--port',
              '0',
              '--tls-port',
              String(port),
              '--tls-cluster',
              'yes',
              '--tls-cert-file',
              tls.cert,
              '--tls-key-file',
              tls.key,
            ]
          : ['--port', String(port)]),
        ...(tls ? ['--tls-ca-cert-file', tls.cert, '--tls-auth-clients', 'no'] : []),
        ...['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf')],
      ]),
    ),
  );
  const stop = async () => void (await Promise.all(servers.map((s) => s.stop())));
  try {
    const addresses = servers.map((s) => `127.0.0.1:${s.port}`);
    const tlsArgs = tls ? ['--tls', '--cacert', tls.cert] : [];
    await promisify(execFile)('redis-cli', [...tlsArgs, '--cluster', 'create', ...addresses, '--cluster-yes'], {
      timeout: 20_000,
    });
    for (const s of servers) {
      const admin = new Redis(s.port, '127.0.0.1', tls ? { tls: { ca: readFileSync(tls.cert) } } : {});
      try {
        for (let i = 0; !/cluster_state:ok/.test(String(await admin.call('CLUSTER', 'INFO'))); i++) {
          if (i > 400) throw new Error(`cluster node ${s.port} did not reach cluster_state:ok`);
          await new Promise((r) => setTimeout(r, 25));
        }
      } finally {
        admin.disconnect();
      }
    }
    return { ports: servers.map((s) => s.port), nodes: addresses.join(','), stop };
  } catch (err) {
    await stop();
    throw err;
  }
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
