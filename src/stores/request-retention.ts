// How long a request's record (and what points at it) is kept in Redis: an open one up to OPEN_RETENTION_DAYS after
// it opened, a resolved or withdrawn one CLOSED_RETENTION_DAYS after it closed (docs/requests.md has the figures).
import { isActive, type RequestRecord } from '../domain/requests.js';

export const DAY = 86_400_000;
export const OPEN_RETENTION_DAYS = 365;
export const CLOSED_RETENTION_DAYS = 120;

/** How long a record is kept from now. */
export function retentionMs(r: RequestRecord, now: number): number {
  const end = isActive(r)
    ? r.openedAt + OPEN_RETENTION_DAYS * DAY
    : (r.resolvedAt ?? r.withdrawnAt ?? r.updatedAt) + CLOSED_RETENTION_DAYS * DAY;
  return Math.max(60_000, end - now);
}
