import type { TextCitation } from '@anthropic-ai/sdk/resources/messages';
import type { AnswerPayload } from '../../contracts/jobs.js';
import type { JobContext } from '../../contracts/job-context.js';
import { questionForRetrieval, sourcesVerdict, type Chunk, type Place } from '../../domain/knowledge.js';
import { wordsBesides } from '../../domain/slack-ids.js';
import type { AccountContext } from '../../llm/account-brief.js';
import { CitationCollector, sourcesFooter } from '../../llm/citations.js';
import type { SlackThreadMessage } from '../../slack-api/thread.js';
import type { AnswerReaders } from './readers.js';

// The answer's knowledge: the passages its question retrieves (only what its readers may see), and what became of
// them — the sources it cited, written as links at its end, or none, which where a customer reads means a draft.

const PASSAGES = 5;
/** What an internal answer that cites nothing says of itself, when the team has knowledge LUNA searched. */
const UNSOURCED_NOTE = '_Not found in the team’s documents: this answer has no source._';

/** Where the question is asked, as knowledge sees it: a customer place sees documents and its own account's requests. */
export function knowledgePlace(readers: AnswerReaders, context: AccountContext | undefined): Place {
  return readers.customer ? { kind: 'customer', account: context?.account.id } : { kind: 'internal' };
}

/** The passages for the question asked (its words, then the thread's latest messages before it). Empty without knowledge. */
export async function retrievePassages(
  ctx: JobContext,
  p: AnswerPayload,
  thread: SlackThreadMessage[],
  place: Place,
): Promise<Chunk[]> {
  if (!ctx.knowledge) return [];
  const words = (m: SlackThreadMessage) => wordsBesides(ctx.identity.botUserId, m.text);
  const at = thread.findIndex((m) => m.ts === p.messageTs);
  const asked = at >= 0 ? thread[at]! : thread[thread.length - 1];
  const earlier = (at >= 0 ? thread.slice(0, at) : thread.slice(0, -1)).map(words);
  const hits = await ctx.knowledge.retriever.retrieve(questionForRetrieval(asked ? words(asked) : '', earlier), {
    place,
    limit: PASSAGES,
  });
  return hits.map((h) => h.chunk);
}

export interface Grounding {
  /** Mrkdwn to append to the rendered answer: the sources, or the note that there is none. Empty: nothing to add. */
  footer: string;
  /** The answer cites nothing where a customer reads and sources are required: it goes to the team as a draft. */
  unsourced: boolean;
}

/**
 * What the answer's citations come to. Only when knowledge is in use: without it there is nothing to cite, and answers
 * are as before. An answer that cites nothing is a knowledge gap, kept for App Home.
 */
export async function groundAnswer(
  ctx: JobContext,
  p: AnswerPayload,
  thread: SlackThreadMessage[],
  s: { place: Place; passages: readonly Chunk[]; citations: readonly TextCitation[] },
): Promise<Grounding> {
  if (!ctx.knowledge) return { footer: '', unsourced: false };
  const collector = new CitationCollector(s.passages);
  for (const c of s.citations) collector.add(c);
  const cited = collector.sources.length;
  ctx.metrics.knowledgeAnswers.inc({ sources: cited ? 'cited' : 'uncited' });
  const verdict = sourcesVerdict(s.place, cited, ctx.settings.workspace.knowledge.customerAnswersNeedSources);
  if (verdict !== 'post') {
    const asked = thread.find((m) => m.ts === p.messageTs)?.text;
    const question = wordsBesides(ctx.identity.botUserId, asked).slice(0, 300);
    await ctx.knowledge.store.recordGap({ question, channel: p.channel, at: Date.now() });
  }
  return {
    footer: verdict === 'post' ? sourcesFooter(collector.sources) : verdict === 'post_unsourced' ? UNSOURCED_NOTE : '',
    unsourced: verdict === 'draft',
  };
}
