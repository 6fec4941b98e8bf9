import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/log.js';
import { handleProcessFailures, withRequest, type UnhandledKind } from '../../src/infra/process-failures.js';

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>);
  const counted: UnhandledKind[] = [];
  const exits: number[] = [];
  const events = new EventEmitter();
  handleProcessFailures({
    log: createLogger('debug', {}, { out: sink, err: sink }),
    count: (k) => counted.push(k),
    exit: (c) => exits.push(c),
    events,
  });
  return { lines, counted, exits, events };
}

describe('failures nothing handled', () => {
  it('a rejection is logged with the shape of the request it happened under, counted, and LUNA carries on', () => {
    const { lines, counted, exits, events } = setup();
    withRequest(
      () => ({ kind: 'app_mention', shape: '{type: string(14), event: {user: null}}' }),
      () => events.emit('unhandledRejection', new Error('boom')),
    );
    expect(counted).toEqual(['rejection']);
    expect(exits).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      msg: expect.stringMatching(/carries on/) as string,
      err: { message: 'boom' },
      request: { kind: 'app_mention', shape: '{type: string(14), event: {user: null}}' },
    });
  });

  it('an uncaught exception is logged and counted, and the process exits with status 1 so its supervisor starts it again', () => {
    const { lines, counted, exits, events } = setup();
    events.emit('uncaughtException', new Error('kaput'), 'uncaughtException');
    expect(counted).toEqual(['exception']);
    expect(exits).toEqual([1]);
    expect(lines[0]).toMatchObject({
      level: 'error',
      msg: expect.stringMatching(/exits so it is started again/) as string,
      err: { message: 'kaput' },
    });
    expect(lines[0]!.request).toBeUndefined(); // outside any request
  });
});
