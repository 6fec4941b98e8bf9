import { describe, expect, it } from 'vitest';
import { mentionIntent } from '../../src/domain/intent.js';

describe('mentionIntent', () => {
  it('reads commands after the mention, and questions as questions', () => {
    expect(mentionIntent('<@U0LUNA> digest')).toEqual({ kind: 'digest' });
    expect(mentionIntent('<@U0LUNA|luna>, Digest please')).toEqual({ kind: 'digest' });
    expect(mentionIntent('<@U0LUNA> journey map: Acme onboarding')).toEqual({
      kind: 'journey-map',
      subject: 'Acme onboarding',
    });
    expect(mentionIntent('<@U0LUNA> journey-map')).toEqual({ kind: 'journey-map', subject: '' });
    expect(mentionIntent('<@U0LUNA> can you write a digest of feedback?')).toEqual({ kind: 'answer' });
    expect(mentionIntent('<@U0LUNA> how do we reduce churn?')).toEqual({ kind: 'answer' });
    expect(mentionIntent('digest')).toEqual({ kind: 'digest' }); // a DM needs no mention
  });
});

import { threadAsAsked, type SlackThreadMessage } from '../../src/slack-api/thread.js';

describe('threadAsAsked', () => {
  it('shows the thread as it stood when LUNA was asked, with earlier answers after their questions', () => {
    const answer = (asked: string, ts: string): SlackThreadMessage => ({
      ts,
      user: 'U0LUNA',
      text: `answer to ${asked}`,
      metadata: { event_type: 'luna_answer', event_payload: { job_id: `j${asked}`, part: 0, asked_ts: asked } },
    });
    const thread: SlackThreadMessage[] = [
      { ts: '100.0', user: 'U1', text: 'parent' },
      { ts: '101.0', user: 'U1', text: 'q1' },
      { ts: '102.0', user: 'U2', text: 'q2' },
      answer('101.0', '103.0'),
      { ts: '104.0', user: 'U1', text: 'q3' },
    ];
    expect(threadAsAsked(thread, '102.0').map((m) => m.text)).toEqual(['parent', 'q1', 'answer to 101.0', 'q2']);
    expect(threadAsAsked(thread, '101.0').map((m) => m.text)).toEqual(['parent', 'q1', 'answer to 101.0']);
  });
});
