import { exportRequests } from './export-requests.js';

/** `npm run requests:export -- --from YYYY-MM-DD [--to YYYY-MM-DD] [--out file.csv]`: see export-requests.ts. */
process.exitCode = await exportRequests(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
});
