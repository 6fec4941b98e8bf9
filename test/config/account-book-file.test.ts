import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountBookFile } from '../../src/config/account-book-file.js';
import { loadSettings } from '../../src/config/load.js';
import { createLogger } from '../../src/infra/log.js';
import { SettingsError } from '../../src/infra/errors.js';
import { until } from '../helpers/harness.js';

describe('LUNA_ACCOUNTS at start-up and after', () => {
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-1',
    SLACK_SIGNING_SECRET: 's',
    ANTHROPIC_API_KEY: 'k',
    LUNA_PERSONAS_DIR: path.resolve('personas'),
  };

  it('a missing file, or one that is no account book, stops start-up naming the variable', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'luna-book-'));
    const problems = async (file: string) => {
      try {
        await loadSettings({ ...env, LUNA_ACCOUNTS: file }, dir);
      } catch (err) {
        expect(err).toBeInstanceOf(SettingsError);
        return (err as SettingsError).problems.map((p) => `${p.where}: ${p.problem}`);
      }
      throw new Error('expected a SettingsError');
    };
    expect(await problems('accounts.csv')).toEqual([
      expect.stringMatching(/^LUNA_ACCOUNTS: cannot read .*accounts\.csv: ENOENT/),
    ]);
    await writeFile(path.join(dir, 'nocol.csv'), 'company\nAcme\n');
    expect(await problems('nocol.csv')).toEqual([
      expect.stringMatching(/^LUNA_ACCOUNTS: .*nocol\.csv has no "name" column/),
    ]);
    await writeFile(path.join(dir, 'ok.csv'), 'name\nAcme\n');
    const s = await loadSettings({ ...env, LUNA_ACCOUNTS: 'ok.csv' }, dir);
    expect(s.accountBook?.current().accounts.map((a) => a.name)).toEqual(['Acme']);
  });

  it('is reloaded when the file changes, also when replaced by a rename; an unreadable change keeps the last good book', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'luna-book-'));
    const file = path.join(dir, 'accounts.csv');
    await writeFile(file, 'name,plan\nAcme,Growth\n');
    const book = await AccountBookFile.open(file);
    const lines: string[] = [];
    const log = createLogger('debug', {}, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    book.watch(log, 200);
    try {
      await writeFile(file, 'name,plan\nAcme,Enterprise\nGlobex,Growth\n');
      await until(() => book.current().accounts.length === 2, 'the edited book');
      expect(book.current().accounts[0]!.plan).toBe('Enterprise');
      // A CRM sync that writes a new file and renames it over the old one.
      await writeFile(
        path.join(dir, 'next.tmp'),
        'name,plan,arr\nAcme,Enterprise,5\nGlobex,Growth,x\nInitech,Starter,\n',
      );
      await rename(path.join(dir, 'next.tmp'), file);
      await until(
        () => book.current().accounts.length === 2 && book.current().accounts[1]!.name === 'Initech',
        'the replaced book',
      );
      expect(lines.join('\n')).toMatch(/account book row skipped: line 3, column arr \(C\)/);
      await writeFile(file, 'nothing here\n');
      await until(() => lines.some((l) => l.includes('could not be read')), 'the refused reload');
      expect(book.current().accounts.map((a) => a.name)).toEqual(['Acme', 'Initech']);
    } finally {
      book.close();
    }
  });
});
