import type * as types from '@slack/types';
import { escapeAngles, truncate } from '../domain/text.js';
import { mention } from '../domain/slack-ids.js';
import { slackDate } from './slack-date.js';

// The App Home's knowledge section, for team members: what LUNA has indexed and when, and this week's questions it
// could not ground in any source — the articles worth writing next.

export interface KnowledgeHome {
  sources: ReadonlyArray<{ origin: string; documents: number; chunks: number; lastIndexedAt: number }>;
  gaps: ReadonlyArray<{ question: string; channel: string; at: number }>;
}

/** Gaps listed; the rest are counted. */
const GAPS_SHOWN = 8;

const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text });
const section = (text: string): types.SectionBlock => ({ type: 'section', text: mrkdwn(text) });
const context = (text: string): types.ContextBlock => ({ type: 'context', elements: [mrkdwn(text)] });

export function knowledgeBlocks(k: KnowledgeHome): types.KnownBlock[] {
  const sources = k.sources.length
    ? k.sources
        .map(
          (s) =>
            `• \`${escapeAngles(truncate(s.origin, 80))}\`: ${s.documents} document${s.documents === 1 ? '' : 's'}, ${s.chunks} passages, indexed ${slackDate(s.lastIndexedAt)}`,
        )
        .join('\n')
    : 'Nothing indexed yet: check `knowledge.sources` in luna.config.yml.';
  const gaps = k.gaps
    .slice(0, GAPS_SHOWN)
    .map(
      (g) =>
        `• ${escapeAngles(truncate(g.question.replace(/\s+/g, ' '), 140)) || '_(no words)_'} — ${mention(g.channel)}`,
    );
  const more = k.gaps.length > GAPS_SHOWN ? [`…and ${k.gaps.length - GAPS_SHOWN} more.`] : [];
  return [
    section(`*Knowledge*\n${sources}`),
    section(
      `*Questions without a source this week* (${k.gaps.length})\n${gaps.length ? [...gaps, ...more].join('\n') : 'None: every answer that searched the team’s knowledge cited it.'}`,
    ),
    context(
      'Write an article for a question that keeps coming back: LUNA finds it within a minute of the file changing.',
    ),
  ];
}
