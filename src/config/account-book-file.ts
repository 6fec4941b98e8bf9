import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../infra/log.js';
import { parseAccountBook, type AccountBook } from './account-book.js';

/**
 * The account book file, reloaded when it changes: the folder is watched (so an editor or CRM sync that
 * replaces the file by renaming is seen too), changes are debounced, and the file is re-read only when its
 * modification time or size moved. A file that turns unreadable or invalid keeps the last good book.
 */
export class AccountBookFile {
  private book: AccountBook;
  private version: string;
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(book: AccountBook) => void> = [];

  private constructor(
    readonly path: string,
    book: AccountBook,
    version: string,
  ) {
    this.book = book;
    this.version = version;
  }

  /** Reads and parses the file once; throws (with the reason) when it cannot be an account book. */
  static async open(file: string): Promise<AccountBookFile> {
    const [text, version] = await Promise.all([readFile(file, 'utf8'), versionOf(file)]);
    return new AccountBookFile(file, parseAccountBook(text), version);
  }

  current(): AccountBook {
    return this.book;
  }

  /** Called with each newly loaded book. */
  onReload(fn: (book: AccountBook) => void): void {
    this.listeners.push(fn);
  }

  /** Starts watching; `pollMs` is the fallback for filesystems without change events. */
  watch(log: Logger, pollMs = 30_000): void {
    if (this.watcher || this.poll) return;
    const schedule = () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.reload(log), 100);
    };
    try {
      const name = path.basename(this.path);
      this.watcher = watch(path.dirname(this.path), { persistent: false }, (_event, changed) => {
        if (!changed || changed.toString() === name) schedule();
      });
      this.watcher.on('error', (err) => log.warn('cannot watch the account book folder; polling it instead', { err }));
    } catch (err) {
      log.warn('cannot watch the account book folder; polling it instead', { err });
    }
    this.poll = setInterval(schedule, pollMs);
    this.poll.unref();
  }

  close(): void {
    this.watcher?.close();
    clearInterval(this.poll);
    clearTimeout(this.debounce);
    this.watcher = undefined;
    this.poll = undefined;
  }

  /** Re-reads the file when it changed; keeps the last good book when the new one cannot be read. */
  async reload(log: Logger): Promise<boolean> {
    try {
      const version = await versionOf(this.path);
      if (version === this.version) return false;
      const book = parseAccountBook(await readFile(this.path, 'utf8'));
      this.version = version;
      this.book = book;
      log.info('account book reloaded', {
        path: this.path,
        accounts: book.accounts.length,
        skippedRows: book.problems.length,
      });
      reportProblems(book, this.path, log);
      for (const fn of this.listeners) fn(book);
      return true;
    } catch (err) {
      log.error('the account book changed but could not be read; the previous version stays in use', {
        path: this.path,
        err,
      });
      return false;
    }
  }
}

/** One warning per skipped row, naming its line and column. */
export function reportProblems(book: AccountBook, file: string, log: Logger): void {
  for (const p of book.problems)
    log.warn(`account book row skipped: line ${p.line}, column ${p.column}: ${p.problem}`, { path: file, ...p });
}

async function versionOf(file: string): Promise<string> {
  const s = await stat(file);
  return `${s.mtimeMs}:${s.size}`;
}
