import { describe, expect, it } from 'vitest';
import { LunaError } from '../../src/infra/errors.js';
import { createLogger } from '../../src/infra/log.js';

describe('the JSON logger', () => {
  it('keeps an error’s stack and its cause chain, so an operator sees where and why', () => {
    const lines: string[] = [];
    const log = createLogger('info', {}, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    const root = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    log.error('job failed', {
      err: new LunaError('luna_model_unavailable', 'Anthropic unreachable', { retriable: true, cause: root }),
    });
    const line = JSON.parse(lines[0]!) as {
      err: { code: string; stack: string; cause: { message: string; code: string; stack: string } };
    };
    expect(line.err.code).toBe('luna_model_unavailable');
    expect(line.err.stack).toMatch(/log\.test\.ts/);
    expect(line.err.cause).toMatchObject({ message: 'socket hang up', code: 'ECONNRESET' });
    expect(line.err.cause.stack).toMatch(/Error: socket hang up/);
  });
});
