import type { Redis } from 'ioredis';
import { AnswerStore } from './answers.js';
import { DigestState } from './digests.js';
import { DirectoryStore } from './directory.js';
import { DraftStore } from './drafts.js';
import { EscalationStore } from './escalations.js';
import { FeedbackStore } from './feedback.js';
import { ChartFileStore } from './home-charts.js';
import { JourneyStore } from './journeys.js';
import { ModelCallStore } from './model-calls.js';
import { StatsRecorder } from './stats.js';
import { ThreadOrderStore } from './thread-order.js';

/** Every Redis-backed store LUNA has, built once per process and handed to jobs through their context. */
export interface Stores {
  answers: AnswerStore;
  digests: DigestState;
  directory: DirectoryStore;
  drafts: DraftStore;
  escalations: EscalationStore;
  feedback: FeedbackStore;
  charts: ChartFileStore;
  journeys: JourneyStore;
  modelCalls: ModelCallStore;
  stats: StatsRecorder;
  threads: ThreadOrderStore;
}

export function createStores(redis: Redis, prefix: string): Stores {
  return {
    answers: new AnswerStore(redis, prefix),
    digests: new DigestState(redis, prefix),
    directory: new DirectoryStore(redis, prefix),
    drafts: new DraftStore(redis, prefix),
    escalations: new EscalationStore(redis, prefix),
    feedback: new FeedbackStore(redis, prefix),
    charts: new ChartFileStore(redis, prefix),
    journeys: new JourneyStore(redis, prefix),
    modelCalls: new ModelCallStore(redis, prefix),
    stats: new StatsRecorder(redis, prefix),
    threads: new ThreadOrderStore(redis, prefix),
  };
}
