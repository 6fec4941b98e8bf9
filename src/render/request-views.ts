import type { RequestsConfig } from '../config/requests.js';
import { targetTexts } from '../domain/request-policy.js';
import type { RequestRecord } from '../domain/requests.js';
import { breachReply, requestCard, unassignedNotice, warningMessage } from './request-blocks.js';

/**
 * Everything the team is shown of a request, bound to the `requests:` config (the targets each priority shows):
 * what jobs hand to the Slack side (slack-api/request-card.ts, request-alerts.ts), which posts without rendering.
 */
export function requestViews(cfg: Pick<RequestsConfig, 'sla'>) {
  const targets = (r: RequestRecord) => targetTexts(cfg, r.priority);
  return {
    card: (r: RequestRecord) => requestCard({ record: r, targets: targets(r) }),
    warning: (r: RequestRecord, target: 'firstResponse' | 'resolution', cardLink?: string) =>
      warningMessage(r, target, cardLink),
    breach: (r: RequestRecord, target: 'firstResponse' | 'resolution', notify: readonly string[]) =>
      breachReply(r, target, targets(r)[target], notify),
    unassigned: (r: RequestRecord, cardLink?: string) => unassignedNotice(r, cardLink),
  };
}
export type RequestViews = ReturnType<typeof requestViews>;
