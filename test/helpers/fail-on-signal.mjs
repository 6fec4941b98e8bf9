// Preloaded into a LUNA process by tests (NODE_OPTIONS=--import=…): on SIGUSR2 it fails the way the file named by
// LUNA_TEST_FAILURE_FILE says (`rejection` or `exception`), outside anything of LUNA's that could catch it — a
// promise rejection nobody handles, or an exception thrown from a timer. What follows is LUNA's own process-level
// handling (src/infra/process-failures.ts).
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { setImmediate } from 'node:timers';

process.on('SIGUSR2', () => {
  const kind = readFileSync(process.env.LUNA_TEST_FAILURE_FILE ?? '', 'utf8').trim();
  if (kind === 'exception') {
    setImmediate(() => {
      throw new Error('a test exception nothing catches');
    });
  } else {
    void Promise.reject(new Error('a test rejection nothing handles'));
  }
});
