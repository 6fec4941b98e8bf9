import { z } from 'zod';

/** Payload of the `home` job (name in JOB_NAMES): publish the App Home dashboard to one user. */
export const HomePayload = z.object({
  userId: z.string().min(1),
  /** `chart`: a re-publish after Slack was not yet ready to show a freshly uploaded chart. */
  reason: z.enum(['opened', 'refresh', 'chart']),
});
export type HomePayload = z.infer<typeof HomePayload>;

/**
 * Opens and Refresh clicks of one user within this window are one job, so a burst (tab switching,
 * double clicks, Slack redelivering the event) is one publish. Later ones get a fresh job.
 */
export const HOME_DEDUP_MS = 5_000;

export function homeJobId(p: HomePayload, now = Date.now()): string {
  return `home-${p.userId}-${p.reason}-${Math.floor(now / HOME_DEDUP_MS)}`;
}
