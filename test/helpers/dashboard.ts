import type { Figures } from '../../src/domain/dashboard.js';

/** A week of dashboard figures as the tests start from: 12 digests averaging 4.3, 6 of 10 action items done. */
export function figures(o: Partial<Figures> = {}): Figures {
  return {
    now: Date.UTC(2026, 10, 20),
    weeks: [],
    csat: { value: 4.3, count: 12 },
    actionItems: { created: 10, done: 6 },
    escalations: {
      open: 0,
      overdue: 0,
      opened: 0,
      acknowledged: 0,
      notStrategic: 0,
      reassigned: 0,
      medianMinutesToAcknowledge: null,
    },
    conversations: { handled: 43, escalated: 7 },
    thisWeek: { answers: 0, digests: 0, escalationsOpened: 0 },
    feedback: [],
    escalationConfigured: true,
    ...o,
  };
}
