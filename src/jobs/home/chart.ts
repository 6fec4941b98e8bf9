import { sleep } from '../../infra/wait.js';
import type { JobContext } from '../../contracts/job-context.js';
import { chartAltText, chartHash, renderTrendChart, type TrendChart } from '../../render/trend-chart.js';

/**
 * The trend chart as a Slack file the Home tab can show (`slack_file` image block). Uploaded once per
 * distinct chart: the file id is kept in Redis under the hash of the data drawn, so reopening the tab with
 * unchanged figures costs no upload. The file is uploaded without a channel: private to LUNA, which is
 * what lets an image block use it without sharing it anywhere.
 */

const UPLOAD_LOCK_MS = 20_000;
const WAIT_FOR_OTHER_MS = 4_000;

export interface ChartFile {
  fileId: string;
  altText: string;
  hash: string;
  /** Uploaded by this call (Slack may need a moment before an image block can use it). */
  fresh: boolean;
}

export class HomeChartFiles {
  constructor(private readonly ctx: JobContext) {}

  private get store() {
    return this.ctx.stores.charts;
  }

  /** The file for this chart: cached, or rendered and uploaded now. Undefined if another job's upload did not finish in time. */
  async get(chart: TrendChart): Promise<ChartFile | undefined> {
    const hash = chartHash(chart);
    const altText = chartAltText(chart);
    const cached = await this.store.fileId(hash);
    if (cached) return { fileId: cached, altText, hash, fresh: false };
    // Several users opening Home right after the figures changed: one uploads, the others wait for its id.
    const mine = await this.store.lockUpload(hash, UPLOAD_LOCK_MS);
    if (!mine) {
      const id = await this.waitFor(hash);
      return id ? { fileId: id, altText, hash, fresh: false } : undefined;
    }
    try {
      const picture = await renderTrendChart(chart);
      const res = await this.ctx.slack.files.uploadV2({
        file: picture.png,
        filename: `luna-trend-${hash.slice(0, 12)}.png`,
        title: 'LUNA: estimated CSAT and escalations per week',
        alt_text: altText.slice(0, 1000),
      });
      // uploadV2 answers with one files.completeUploadExternal result per completion.
      const fileId = (res as { files?: Array<{ files?: Array<{ id?: string }> }> }).files?.[0]?.files?.[0]?.id;
      if (!fileId) throw new Error('files.uploadV2 returned no file id');
      await this.store.setFileId(hash, fileId);
      return { fileId, altText, hash, fresh: true };
    } catch (err) {
      await this.store.unlockUpload(hash);
      throw err;
    }
  }

  /** Slack would not show this file (deleted by an admin, say): forget it, so the next open uploads anew. */
  async forget(hash: string): Promise<void> {
    await this.store.forget(hash);
  }

  private async waitFor(hash: string): Promise<string | undefined> {
    const deadline = Date.now() + WAIT_FOR_OTHER_MS;
    while (Date.now() < deadline) {
      await sleep(100);
      const id = await this.store.fileId(hash);
      if (id) return id;
    }
    return undefined;
  }
}
