import type { WebClient } from '@slack/web-api';
import type { Block, KnownBlock } from '@slack/types';
import { partMetadata } from './thread.js';

/** One message LUNA posts as part `part` of job `jobId`: the marker lets a retry see it is already there. */
export interface LunaPart {
  channel: string;
  threadTs?: string | undefined;
  jobId: string;
  part: number | string;
  text: string;
  blocks?: Array<KnownBlock | Block> | undefined;
  /** More fields for the marker (`of`, `asked_ts`). */
  meta?: Record<string, string | number>;
}

/**
 * Posts a LUNA message part: mrkdwn, no link or media unfurls (a cited permalink would otherwise expand
 * into a copy of the customer's message), marked with the job and part. Returns its `ts`.
 */
export async function postPart(slack: WebClient, p: LunaPart): Promise<string> {
  const res = await slack.chat.postMessage({
    channel: p.channel,
    ...(p.threadTs ? { thread_ts: p.threadTs } : {}),
    text: p.text,
    ...(p.blocks ? { blocks: p.blocks } : {}),
    mrkdwn: true,
    unfurl_links: false,
    unfurl_media: false,
    metadata: partMetadata(p.jobId, p.part, p.meta),
  });
  return res.ts!;
}
