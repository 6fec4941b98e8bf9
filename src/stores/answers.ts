import { z } from 'zod';
import { FactHit } from '../domain/customer-text.js';
import type { RedisClient } from '../infra/redis.js';
import { JOB_STATE_TTL_SECONDS, stateKey } from './keys.js';

/**
 * A rendered answer and, where a customer reads, what the customer-text check found in it (with the canary of the
 * request that wrote it, which no later attempt knows): stored together, so a retry posts the same words or holds
 * the same words back.
 */
export const StoredAnswer = z.object({
  parts: z.array(z.string()),
  held: z.array(FactHit).optional(),
  /** It cites no source where a customer reads and sources are required: it goes to the team as a draft. */
  unsourced: z.boolean().optional(),
});
export type StoredAnswer = z.infer<typeof StoredAnswer>;

/**
 * An answer job's progress: the rendered answer (stored before anything is posted, so a retry posts the
 * same words) and its escalation assessment (so a retry does not pay for it twice). First writer wins.
 */
export class AnswerStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async answer(jobId: string): Promise<StoredAnswer | undefined> {
    const raw = await this.redis.get(this.key('answer', jobId));
    if (!raw) return undefined;
    const value = JSON.parse(raw) as unknown;
    // Stored before the customer-text check existed: parts only, to be checked now.
    return StoredAnswer.parse(Array.isArray(value) ? { parts: value } : value);
  }

  /** Stores the answer unless another attempt stored its own first; returns whichever stands. */
  async storeAnswer(jobId: string, answer: StoredAnswer): Promise<StoredAnswer> {
    const set = await this.redis.set(
      this.key('answer', jobId),
      JSON.stringify(answer),
      'EX',
      JOB_STATE_TTL_SECONDS,
      'NX',
    );
    return set ? answer : ((await this.answer(jobId)) ?? answer);
  }

  /**
   * Where this job's streamed answer is being written (the ts chat.startStream gave), recorded the moment Slack
   * answers: a retry after a crash finishes that message instead of posting a second answer.
   */
  async stream(jobId: string): Promise<string | undefined> {
    return (await this.redis.get(this.key('stream', jobId))) ?? undefined;
  }

  async recordStream(jobId: string, ts: string): Promise<void> {
    await this.redis.set(this.key('stream', jobId), ts, 'EX', JOB_STATE_TTL_SECONDS);
  }

  /** The stored assessment, unparsed: its schema depends on the configured areas, which the caller knows. */
  async assessment(jobId: string): Promise<unknown> {
    const raw = await this.redis.get(this.key('assessment', jobId));
    return raw ? JSON.parse(raw) : undefined;
  }

  async storeAssessment(jobId: string, assessment: object): Promise<void> {
    await this.redis.set(this.key('assessment', jobId), JSON.stringify(assessment), 'EX', JOB_STATE_TTL_SECONDS, 'NX');
  }

  /** True the first time it is called for `what` of this job (a note that must never repeat). */
  async once(jobId: string, what: string): Promise<boolean> {
    return (await this.redis.set(this.key(`once-${what}`, jobId), '1', 'EX', JOB_STATE_TTL_SECONDS, 'NX')) === 'OK';
  }

  private key(kind: string, jobId: string): string {
    return stateKey(this.prefix, kind, jobId);
  }
}
