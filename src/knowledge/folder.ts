import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { LunaError } from '../infra/errors.js';
import type { Logger } from '../infra/log.js';
import { formatOf, parseContent, titleFromName } from './parse.js';
import { writeDocument, type Writer } from './write.js';

/**
 * A folder of Markdown, HTML and text files, followed by a watcher: a file added or changed is read and indexed
 * again, a file deleted leaves the index. At start every file is compared with its record in Redis (size and
 * modification time), so a restart reads only what changed while LUNA was down; records of files that are gone
 * are removed once the first scan is complete.
 */
export interface FolderSourceOptions {
  /** Absolute path of the folder. */
  dir: string;
  /** As written in the config (`path:./knowledge`): the origin chunks are counted by. */
  origin: string;
  /** Base URL: a file's link is this + its path inside the folder, when its frontmatter names none. */
  baseUrl?: string | undefined;
  /** Milliseconds a file must stay unchanged before it is read (editors write in steps). @defaultValue 300 */
  settleMs?: number;
}

export class FolderSource {
  private watcher: FSWatcher | undefined;
  private readonly pending = new Map<string, Promise<void>>();
  private readonly log: Logger;

  constructor(
    private readonly w: Writer,
    private readonly options: FolderSourceOptions,
  ) {
    this.log = w.log.child({ source: options.origin });
  }

  /**
   * Starts watching; resolves once the first scan has been indexed. A folder that is not there (a volume not
   * mounted yet) is an error, not an empty folder: that would remove every one of its documents from the index.
   */
  async start(): Promise<void> {
    const { dir } = this.options;
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory())
      throw new LunaError('luna_knowledge_source_failed', `knowledge folder ${dir} is not there (or not a folder)`, {
        retriable: true,
      });
    const seen = new Set<string>();
    const watcher = watch(dir, {
      ignoreInitial: false,
      // Hidden files and folders (.git, editors' swap files) and files LUNA does not read are never watched.
      ignored: (p, stats) =>
        (p !== dir && path.basename(p).startsWith('.')) || Boolean(stats?.isFile() && !formatOf(p)),
      awaitWriteFinish: { stabilityThreshold: this.options.settleMs ?? 300, pollInterval: 50 },
    });
    this.watcher = watcher;
    watcher.on('add', (p) => {
      seen.add(p);
      this.queue(p, () => this.read(p));
    });
    watcher.on('change', (p) => this.queue(p, () => this.read(p)));
    watcher.on('unlink', (p) => this.queue(p, () => this.remove(p)));
    watcher.on('error', (err) => this.log.warn('knowledge: watching the folder failed', { err }));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    await Promise.all(this.pending.values());
    // Files indexed before but not there now were deleted while LUNA was down.
    for (const [id, record] of await this.w.store.docRecords()) {
      if (record.origin === this.options.origin && !seen.has(id.slice('file:'.length)))
        await this.w.store.removeDocument(id);
    }
  }

  async close(): Promise<void> {
    await this.watcher?.close();
    this.watcher = undefined;
    await Promise.all(this.pending.values());
  }

  /** Resolves when every change seen so far is in the index (tests wait on it). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending.values());
  }

  /** One file's work at a time, in the order its events came. */
  private queue(file: string, work: () => Promise<void>): void {
    const before = this.pending.get(file) ?? Promise.resolve();
    const next = before
      .then(work)
      .catch((err: unknown) => this.log.warn('knowledge: a file could not be indexed', { file, err }))
      .finally(() => {
        if (this.pending.get(file) === next) this.pending.delete(file);
      });
    this.pending.set(file, next);
  }

  private async read(file: string): Promise<void> {
    const format = formatOf(file);
    if (!format) return;
    const info = await stat(file);
    const fingerprint = `${info.size}:${Math.floor(info.mtimeMs)}`;
    const id = `file:${file}`;
    if ((await this.w.store.docRecord(id))?.fingerprint === fingerprint) return;
    const parsed = parseContent(format, await readFile(file, 'utf8'), titleFromName(file));
    const relative = path.relative(this.options.dir, file).split(path.sep).join('/');
    const url = parsed.url ?? (this.options.baseUrl ? linkFor(this.options.baseUrl, relative) : undefined);
    await writeDocument(
      this.w,
      { id, origin: this.options.origin, title: parsed.title, url, sections: parsed.sections },
      fingerprint,
    );
    this.log.debug('knowledge: file indexed', { file });
  }

  private async remove(file: string): Promise<void> {
    await this.w.store.removeDocument(`file:${file}`);
  }
}

/** `https://docs.example.com` + `billing/refunds.md` → `https://docs.example.com/billing/refunds`. */
export function linkFor(base: string, relative: string): string {
  const withoutExt = relative.replace(/\.(md|markdown|mdx|html?|txt|text)$/i, '').replace(/(^|\/)index$/i, '');
  return new URL(
    withoutExt.split('/').map(encodeURIComponent).join('/'),
    base.endsWith('/') ? base : `${base}/`,
  ).toString();
}
