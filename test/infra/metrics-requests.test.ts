import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/infra/metrics.js';

describe('request metrics', () => {
  it('reads luna_requests_open at scrape time from whatever counts open requests (0 without one)', async () => {
    const m = new Metrics();
    expect(await m.text()).toMatch(/^luna_requests_open 0$/m);
    let open = 3;
    m.openRequests = () => Promise.resolve(open);
    expect(await m.text()).toMatch(/^luna_requests_open 3$/m);
    open = 7;
    expect(await m.text()).toMatch(/^luna_requests_open 7$/m);
  });

  it('exports the PRODUCT.md names, times in business seconds', async () => {
    const m = new Metrics();
    m.requestsOpened.inc({ via: 'ai' });
    m.requestFirstResponse.observe({ priority: 'urgent' }, 1_200);
    m.requestResolution.observe({ priority: 'urgent' }, 3 * 3600);
    m.requestBreaches.inc({ target: 'first_response' });
    const text = await m.text();
    expect(text).toMatch(/^luna_requests_opened_total\{via="ai"\} 1$/m);
    expect(text).toMatch(/^luna_request_first_response_seconds_bucket\{le="1800",priority="urgent"\} 1$/m);
    expect(text).toMatch(/^luna_request_resolution_seconds_sum\{priority="urgent"\} 10800$/m);
    expect(text).toMatch(/^luna_request_sla_breaches_total\{target="first_response"\} 1$/m);
    expect(text).toMatch(/# HELP luna_request_first_response_seconds Business seconds/);
  });
});
