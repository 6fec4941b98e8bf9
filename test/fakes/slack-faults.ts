import type { ServerResponse } from 'node:http';
import { sendJson } from './http-util.js';
import type { SlackCall, SlackFault } from './slack-types.js';

/** Fault injection for the fake Slack: armed faults and delays per method, and how a fault is answered. */

export interface ArmedFault extends SlackFault {
  /** The call takes effect before the failure is returned (a response lost in flight). */
  applied?: boolean;
  left: number;
}

export class FaultBook {
  private readonly faults = new Map<string, ArmedFault[]>();
  private readonly delays = new Map<string, number>();

  arm(method: string, fault: SlackFault & { applied?: boolean }): void {
    const list = this.faults.get(method) ?? [];
    list.push({ ...fault, left: fault.times ?? 1 });
    this.faults.set(method, list);
  }

  setDelay(method: string, ms: number): void {
    if (ms > 0) this.delays.set(method, ms);
    else this.delays.delete(method);
  }

  delayFor(method: string): number {
    return this.delays.get(method) ?? this.delays.get('*') ?? 0;
  }

  /** The fault that hits this call, if any; a method's own faults go before `'*'` ones. */
  take(method: string): ArmedFault | undefined {
    for (const key of [method, '*']) {
      const list = this.faults.get(key);
      const f = list?.[0];
      if (!f) continue;
      if (--f.left <= 0) list.shift();
      return f;
    }
    return undefined;
  }

  clear(): void {
    this.faults.clear();
    this.delays.clear();
  }
}

/** Answers like Slack's edge would: 429 + Retry-After, an HTML error page for 5xx, else `{ok:false,error}`. */
export function sendFault(res: ServerResponse, fault: SlackFault, call?: SlackCall): void {
  const status = fault.status ?? (fault.error ? 200 : 500);
  if (call) {
    call.status = status;
    call.response = { ok: false, error: status === 429 ? 'ratelimited' : (fault.error ?? `http_${status}`) };
  }
  if (res.destroyed) return;
  if (status === 429) {
    return sendJson(
      res,
      429,
      { ok: false, error: 'ratelimited' },
      { 'retry-after': String(fault.retryAfterSeconds ?? 1) },
    );
  }
  if (status >= 500 && !fault.error) {
    const html = `<html><head><title>${status} Server Error</title></head><body><h1>${status}</h1><p>Slack is having trouble.</p></body></html>`;
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
    return;
  }
  sendJson(res, status, { ok: false, error: fault.error ?? 'fatal_error' });
}
