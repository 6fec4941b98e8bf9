import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A date `days` from today (UTC), as an account book writes it. */
export function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Writes an account book CSV (header from the first row's keys, every field quoted) and returns its path. */
export async function writeAccountBook(rows: Array<Record<string, string>>, delimiter = ','): Promise<string> {
  const headers = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const lines = [headers.join(delimiter), ...rows.map((r) => headers.map((h) => quote(r[h] ?? '')).join(delimiter))];
  const dir = await mkdtemp(path.join(tmpdir(), 'luna-accounts-'));
  const file = path.join(dir, 'accounts.csv');
  await writeFile(file, `${lines.join('\r\n')}\r\n`);
  return file;
}
