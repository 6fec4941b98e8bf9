import { describe, expect, it } from 'vitest';
import { mentionIntent } from '../../src/slack/listeners/intent.js';

describe('mentionIntent', () => {
  it('reads commands after the mention, and questions as questions', () => {
    expect(mentionIntent('<@U0LUNA> digest')).toEqual({ kind: 'digest' });
    expect(mentionIntent('<@U0LUNA|luna>, Digest please')).toEqual({ kind: 'digest' });
    expect(mentionIntent('<@U0LUNA> journey map: Acme onboarding')).toEqual({ kind: 'journey-map', subject: 'Acme onboarding' });
    expect(mentionIntent('<@U0LUNA> journey-map')).toEqual({ kind: 'journey-map', subject: '' });
    expect(mentionIntent('<@U0LUNA> can you write a digest of feedback?')).toEqual({ kind: 'answer' });
    expect(mentionIntent('<@U0LUNA> how do we reduce churn?')).toEqual({ kind: 'answer' });
    expect(mentionIntent('digest')).toEqual({ kind: 'digest' }); // a DM needs no mention
  });
});
