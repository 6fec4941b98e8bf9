import type { RedisClient } from '../infra/redis.js';
import { JOB_STATE_TTL_SECONDS, stateKey } from './keys.js';

/**
 * An answer job's progress: the rendered parts (stored before anything is posted, so a retry posts the
 * same words) and its escalation assessment (so a retry does not pay for it twice). First writer wins.
 */
export class AnswerStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async parts(jobId: string): Promise<string[] | undefined> {
    const raw = await this.redis.get(this.key('answer', jobId));
    return raw ? (JSON.parse(raw) as string[]) : undefined;
  }

  /** Stores the parts unless another attempt stored its own first; returns whichever stands. */
  async storeParts(jobId: string, parts: string[]): Promise<string[]> {
    const set = await this.redis.set(this.key('answer', jobId), JSON.stringify(parts), 'EX', JOB_STATE_TTL_SECONDS, 'NX');
    return set ? parts : ((await this.parts(jobId)) ?? parts);
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
