import type { Settings } from '../config/load.js';
import type { MentionPolicy } from './mention-safety.js';

/** Who a post may tag: the thread's own participants plus every configured owner and handle. */
export function mentionPolicy(settings: Settings, participants: Iterable<string>): MentionPolicy {
  const ids = [
    ...Object.values(settings.workspace.handles),
    ...(settings.workspace.escalation?.owners.flatMap((o) => o.notify) ?? []),
    ...(settings.workspace.escalation?.fallback ?? []),
  ];
  return {
    users: new Set([...participants, ...ids.filter((id) => !id.startsWith('S'))]),
    groups: new Set(ids.filter((id) => id.startsWith('S'))),
  };
}
