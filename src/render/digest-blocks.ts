import type { MentionPolicy } from '../domain/mention-safety.js';
import type { DigestRecord, DoneMark } from '../domain/digest.js';
import { renderAnswer } from './answer.js';
import { splitMessage } from './split.js';
import { escapeAngles } from '../domain/text.js';
import { mention } from '../domain/slack-ids.js';

/** The Block Kit a digest needs (structurally what @slack/web-api's `KnownBlock` accepts). */
type Text = { type: 'mrkdwn' | 'plain_text'; text: string; emoji?: boolean };
export type DigestBlock =
  | { type: 'header'; text: Text }
  | { type: 'divider' }
  | { type: 'context'; elements: Text[] }
  | { type: 'section'; block_id?: string; text: Text; accessory?: Button };
type Button = { type: 'button'; action_id: string; text: Text; value: string; style?: 'primary' };

export interface RenderedPart {
  /** Notification / fallback text. */
  text: string;
  blocks: DigestBlock[];
  /** Indexes of the recommended actions whose Done button is in this part. */
  actions: number[];
}

export const DONE_ACTION_ID = 'digest_action_done';
/** Slack's limits: 50 blocks per message, 3,000 characters per section text. */
const MAX_BLOCKS = 50;
const SECTION_MAX = 3000;
/** Citations shown per claim; the rest are counted ("+12 more") so a 300-message theme fits its block. */
const CITES_SHOWN = 6;

const SENTIMENT_LABEL: Record<DigestRecord['digest']['sentiment']['overall'], string> = {
  positive: ':large_green_circle: Positive',
  leaning_positive: ':large_green_circle: Leaning positive',
  mixed: ':large_yellow_circle: Mixed',
  leaning_negative: ':large_orange_circle: Leaning negative',
  negative: ':red_circle: Negative',
};

/** What a Done button carries: which digest, which action. */
export function doneValue(digestId: string, action: number): string {
  return JSON.stringify({ d: digestId, i: action });
}

/**
 * A digest as Block Kit messages within Slack's limits: header and scope, sentiment and estimated CSAT,
 * the lists, then one section per recommended action with its Done button (or who marked it done).
 * Model text goes through the same mention safety and mrkdwn conversion as answers; citations become
 * permalinks. Content that does not fit one message continues in the next, never dropped.
 */
export function renderDigest(
  record: DigestRecord,
  done: ReadonlyMap<number, DoneMark>,
  policy: MentionPolicy,
): { parts: RenderedPart[]; removed: string[] } {
  const removed: string[] = [];
  const safe = (s: string) => {
    const r = renderAnswer(s.replace(/\s*\n\s*/g, ' ').trim(), policy);
    removed.push(...r.removed);
    return r.text;
  };
  const cite = (sources: string[]) => {
    const links = sources.flatMap((ref) => {
      const c = record.cited[ref];
      return c ? [`<${c.url}|[${ref.slice(1)}]>`] : [];
    });
    const more = links.length > CITES_SHOWN ? ` +${links.length - CITES_SHOWN} more` : '';
    return links.length ? ` ${links.slice(0, CITES_SHOWN).join(' ')}${more}` : '';
  };
  const d = record.digest;
  const blocks: Array<{ block: DigestBlock; action?: number }> = [];
  const add = (block: DigestBlock, action?: number) =>
    blocks.push(action === undefined ? { block } : { block, action });

  add({ type: 'header', text: { type: 'plain_text', text: ':bar_chart: Feedback digest', emoji: true } });
  add({ type: 'context', elements: [{ type: 'mrkdwn', text: scopeLine(record) }] });
  for (const text of sectionTexts([
    `*Sentiment:* ${SENTIMENT_LABEL[d.sentiment.overall]} — ${safe(d.sentiment.summary)}${cite(d.sentiment.sources)}`,
  ])) {
    add(section(text));
  }
  const stars = ':star:'.repeat(d.csat.estimate);
  for (const text of sectionTexts([
    `*Estimated CSAT:* ${stars} ${d.csat.estimate}/5 — ${safe(d.csat.reasoning)}${cite(d.csat.sources)}`,
  ])) {
    add(section(text));
  }
  add({ type: 'divider' });

  const list = (title: string, lines: string[]) => {
    if (lines.length === 0) return;
    for (const text of sectionTexts([`*${title}*`, ...lines.map((l) => `• ${l}`)])) add(section(text));
  };
  list(
    'Themes',
    d.themes.map(
      (t) =>
        `*${safe(t.title)}* (${t.count} ${t.count === 1 ? 'message' : 'messages'}) — ${safe(t.summary)}${cite(t.sources)}`,
    ),
  );
  list(
    'Top pain points',
    d.painPoints.map((c) => `${safe(c.text)}${cite(c.sources)}`),
  );
  list(
    'Praise',
    d.praise.map((c) => `${safe(c.text)}${cite(c.sources)}`),
  );
  list(
    'Feature requests',
    d.featureRequests.map((c) => `${safe(c.text)}${cite(c.sources)}`),
  );
  list(
    'Churn-risk signals',
    d.churnRisks.map((r) => {
      const who = r.customer ? ` _(${safe(r.customer)})_` : '';
      const area = r.area ? ` — :rotating_light: ${safe(r.area)}` : '';
      return `${safe(r.signal)}${who}${area}${cite(r.sources)}`;
    }),
  );

  if (d.actions.length) add(section('*Recommended actions*'));
  d.actions.forEach((a, i) => {
    const mark = done.get(i);
    const line = `*${i + 1}.* ${safe(a.action)} — _suggested owner: ${safe(a.owner)}_${cite(a.sources)}`;
    // The status leads, so it stays in the block with the button even when a long action is split.
    const status = mark ? `:white_check_mark: _Done by ${mention(mark.user)} ${slackDate(mark.at)}_\n` : '';
    const texts = sectionTexts([`${status}${line}`]);
    texts.forEach((text, j) => {
      const first = j === 0;
      const button: Button | undefined =
        first && !mark
          ? {
              type: 'button',
              action_id: DONE_ACTION_ID,
              text: { type: 'plain_text', text: 'Done' },
              value: doneValue(record.id, i),
              style: 'primary',
            }
          : undefined;
      const block: DigestBlock = {
        type: 'section',
        ...(first ? { block_id: `action-${i}` } : {}),
        text: { type: 'mrkdwn', text },
        ...(button ? { accessory: button } : {}),
      };
      add(block, first ? i : undefined);
    });
  });

  const parts: RenderedPart[] = [];
  for (let i = 0; i < blocks.length; i += MAX_BLOCKS) {
    const slice = blocks.slice(i, i + MAX_BLOCKS);
    parts.push({
      text: '',
      blocks: slice.map((b) => b.block),
      actions: [...new Set(slice.flatMap((b) => (b.action === undefined ? [] : [b.action])))],
    });
  }
  const summary = `Feedback digest: ${record.scope.messages} messages, estimated CSAT ${d.csat.estimate}/5, ${d.actions.length} recommended actions`;
  parts.forEach(
    (p, i) =>
      (p.text =
        parts.length === 1
          ? summary
          : i === 0
            ? `${summary} (1/${parts.length})`
            : `Feedback digest, continued (${i + 1}/${parts.length})`),
  );
  return { parts, removed };
}

function section(text: string): DigestBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** Lines packed into section texts of at most 3,000 characters; a longer line is split, not cut. */
function sectionTexts(lines: string[]): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of lines.flatMap((l) => (l.length > SECTION_MAX ? splitMessage(l, SECTION_MAX) : [l]))) {
    if (current && current.length + 1 + line.length > SECTION_MAX) {
      out.push(current);
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) out.push(current);
  return out;
}

function scopeLine(r: DigestRecord): string {
  const s = r.scope;
  const people = `${s.people} ${s.people === 1 ? 'person' : 'people'}`;
  const read = s.parts > 1 ? ` · read in ${s.parts} parts` : '';
  const privately = s.sharedWith
    ? ` · :lock: sent to you privately: ${escapeAngles(s.sharedWith)} reads that channel`
    : '';
  if (s.kind === 'thread')
    return `Thread in ${mention(s.channel)} · ${s.messages} messages from ${people}${read}${privately}`;
  const since = s.since ? ` since ${slackDate(Number(s.since.split('.')[0]) * 1000)}` : '';
  return `${mention(s.channel)} · ${s.threads} ${s.threads === 1 ? 'thread' : 'threads'} with new messages (${s.messages} read) from ${people}${since}${read}`;
}

/** Slack shows this in each reader's own time zone. */
function slackDate(epochMs: number): string {
  const secs = Math.floor(epochMs / 1000);
  return `<!date^${secs}^{date_short_pretty} {time}|${new Date(secs * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC>`;
}

/** What someone of another organisation is told, privately, when they press Done. */
export const DONE_REFUSED =
  ":lock: Only members of this workspace's own team can mark digest actions done. Nothing was changed.";

/** A Done click on a digest LUNA has no record of posting (older than that record): it cannot be checked, so it is not marked. */
export const DONE_UNTRACKED =
  "This digest is older than LUNA's record of where digests are posted, so its actions can no longer be marked done here. Ask for a fresh digest to track them.";
