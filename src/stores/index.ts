import type { RedisClient } from '../infra/redis.js';
import { AccountStore } from './accounts.js';
import { AnswerStore } from './answers.js';
import { CsatStore } from './csat.js';
import { DigestState } from './digests.js';
import { DirectoryStore } from './directory.js';
import { DraftStore } from './drafts.js';
import { EscalationStore } from './escalations.js';
import { FeedbackStore } from './feedback.js';
import { ChartFileStore } from './home-charts.js';
import { JourneyStore } from './journeys.js';
import { LimitStore } from './limits.js';
import { DataMarker } from './marker.js';
import { ModelCallStore } from './model-calls.js';
import { RequestStore } from './requests.js';
import { SignalStore } from './signals.js';
import { StatsRecorder } from './stats.js';
import { ThreadOrderStore } from './thread-order.js';

/** Every Redis-backed store LUNA has, built once per process and handed to jobs through their context. */
export interface Stores {
  accounts: AccountStore;
  answers: AnswerStore;
  csat: CsatStore;
  digests: DigestState;
  directory: DirectoryStore;
  drafts: DraftStore;
  escalations: EscalationStore;
  feedback: FeedbackStore;
  charts: ChartFileStore;
  journeys: JourneyStore;
  limits: LimitStore;
  marker: DataMarker;
  modelCalls: ModelCallStore;
  requests: RequestStore;
  signals: SignalStore;
  stats: StatsRecorder;
  threads: ThreadOrderStore;
}

export function createStores(redis: RedisClient, prefix: string): Stores {
  return {
    accounts: new AccountStore(redis, prefix),
    answers: new AnswerStore(redis, prefix),
    csat: new CsatStore(redis, prefix),
    digests: new DigestState(redis, prefix),
    directory: new DirectoryStore(redis, prefix),
    drafts: new DraftStore(redis, prefix),
    escalations: new EscalationStore(redis, prefix),
    feedback: new FeedbackStore(redis, prefix),
    charts: new ChartFileStore(redis, prefix),
    journeys: new JourneyStore(redis, prefix),
    limits: new LimitStore(redis, prefix),
    marker: new DataMarker(redis, prefix),
    modelCalls: new ModelCallStore(redis, prefix),
    requests: new RequestStore(redis, prefix),
    signals: new SignalStore(redis, prefix),
    stats: new StatsRecorder(redis, prefix),
    threads: new ThreadOrderStore(redis, prefix),
  };
}
