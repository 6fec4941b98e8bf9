import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP relay a test can hold shut: while held, bytes in both directions wait in order and
 * flow again on release. Lets one process's Redis go quiet without pausing the Redis other tests share.
 */
export interface TcpGate {
  /** `url` with its host and port replaced by the gate's. */
  url: string;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startTcpGate(url: string): Promise<TcpGate> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  let held = false;
  const waiting: Array<() => void> = [];
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk) => (held ? waiting.push(() => to.write(chunk)) : to.write(chunk)));

  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {}); // the other side's close ends the pair below
    }
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const gated = new URL(url);
  gated.hostname = '127.0.0.1';
  gated.port = String((server.address() as AddressInfo).port);

  return {
    url: gated.toString(),
    hold: () => void (held = true),
    release() {
      held = false;
      for (const send of waiting.splice(0)) send();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
