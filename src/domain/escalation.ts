import type { Workspace } from '../config/workspace.js';
import { mention } from './slack-ids.js';

export interface AssessmentDecision {
  outOfScope: boolean;
  strategic: boolean;
  area: string;
  confidence: number;
}

export const NO_AREA = 'none';

/**
 * Escalate only a strategic, in-scope conversation in a configured area, with enough confidence.
 * Out-of-scope requests get the persona's NOT MY SCOPE answer and nothing else.
 */
export function shouldEscalate(a: AssessmentDecision, threshold: number): boolean {
  return !a.outOfScope && a.strategic && a.area !== NO_AREA && a.confidence >= threshold;
}

type Escalation = NonNullable<Workspace['escalation']>;

/** Who to tag for an area (case-insensitive match); the fallback when no owner entry fits. */
export function ownersFor(escalation: Pick<Escalation, 'owners' | 'fallback'>, area: string): string[] {
  const owner = escalation.owners.find((o) => o.area.trim().toLowerCase() === area.trim().toLowerCase());
  return owner?.notify.length ? owner.notify : escalation.fallback;
}

export function mentionList(ids: string[]): string {
  return ids.map(mention).join(' ');
}

/** Who gets drafts and private alerts for a customer channel: its configured owners, else the fallback. */
export function channelOwners(
  workspace: Pick<Workspace, 'customerChannels' | 'escalation'>,
  channel: string,
): string[] {
  return workspace.customerChannels.owners[channel] ?? workspace.escalation?.fallback ?? [];
}
