import type { RedisClient } from '../infra/redis.js';
import { stateKey } from './keys.js';

/** Long enough to outlive a quiet fortnight; the data hash changes every Monday anyway. */
const FILE_ID_TTL_SECONDS = 21 * 86_400;

/** Slack file ids of uploaded App Home charts, by the hash of the data drawn, and a lock per upload. */
export class ChartFileStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async fileId(hash: string): Promise<string | undefined> {
    return (await this.redis.get(this.key(hash))) ?? undefined;
  }

  async setFileId(hash: string, fileId: string): Promise<void> {
    await this.redis.set(this.key(hash), fileId, 'EX', FILE_ID_TTL_SECONDS);
  }

  /** True for the one caller that should upload this chart now. */
  async lockUpload(hash: string, ms: number): Promise<boolean> {
    return (await this.redis.set(this.key(hash, 'lock'), '1', 'PX', ms, 'NX')) === 'OK';
  }

  async unlockUpload(hash: string): Promise<void> {
    await this.redis.del(this.key(hash, 'lock'));
  }

  /** Forget the file and any upload in progress, so the next open uploads anew. */
  async forget(hash: string): Promise<void> {
    await this.redis.del(this.key(hash), this.key(hash, 'lock'));
  }

  private key(hash: string, ...more: string[]): string {
    return stateKey(this.prefix, 'home', 'chart', hash, ...more);
  }
}
