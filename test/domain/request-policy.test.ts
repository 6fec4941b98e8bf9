import { describe, expect, it } from 'vitest';
import { RequestsSchema } from '../../src/config/requests.js';
import {
  moreUrgent,
  requestReactionKind,
  requestsOn,
  targetTexts,
  tracksRequests,
  whoToTell,
} from '../../src/domain/request-policy.js';

const cfg = RequestsSchema.parse({
  channels: ['C0ACME'],
  triageChannel: 'C0TRIAGE',
  sla: { high: { firstResponse: '45m' } },
});

describe('request policy', () => {
  it('reads the channels requests.channels names; all leaves it to the audience; none reads nothing', () => {
    expect(tracksRequests(cfg.channels, 'C0ACME')).toBe(true);
    expect(tracksRequests(cfg.channels, 'C0OTHER')).toBe(false);
    expect(tracksRequests('all', 'C0OTHER')).toBe(true);
    expect(tracksRequests('none', 'C0ACME')).toBe(false);
    expect(requestsOn(cfg)).toBe(true);
    expect(requestsOn(RequestsSchema.parse({}))).toBe(false);
    expect(requestsOn({ channels: [] })).toBe(false);
  });

  it('tells the configured reactions apart, skin tones included, and ignores the rest', () => {
    expect(requestReactionKind(cfg, 'white_check_mark', 'ticket')).toBe('request');
    expect(requestReactionKind(cfg, 'white_check_mark', 'eyes::skin-tone-3')).toBe('assign');
    expect(requestReactionKind(cfg, 'white_check_mark', 'rotating_light')).toBe('urgent');
    expect(requestReactionKind(cfg, 'white_check_mark', 'white_check_mark::skin-tone-2')).toBe('resolved');
    expect(requestReactionKind(cfg, 'white_check_mark', 'tada')).toBeUndefined();
  });

  it('keeps the more urgent of the plan’s priority and the model’s reading', () => {
    expect(moreUrgent('high', 'normal')).toBe('high');
    expect(moreUrgent('normal', 'urgent')).toBe('urgent');
    expect(moreUrgent('low', undefined)).toBe('low');
  });

  it('tells the assignee, else each of the channel’s owners once; shows the targets as written', () => {
    expect(whoToTell({ assigneeId: 'U0AGENT' }, ['U0LEAD'])).toEqual(['U0AGENT']);
    expect(whoToTell({}, ['U0LEAD', 'S0CS', 'U0LEAD'])).toEqual(['U0LEAD', 'S0CS']);
    expect(targetTexts(cfg, 'high')).toEqual({ firstResponse: '45m', resolution: '1d' });
  });
});
