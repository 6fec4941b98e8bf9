import { loadSettings } from './config/load.js';
import { SettingsError } from './infra/errors.js';
import { startLuna } from './luna.js';
import { createLogger } from './infra/log.js';

/** Entry point: read settings (or explain in one line per problem what is wrong), start, stop on signals. */
async function main(): Promise<void> {
  let settings;
  try {
    settings = await loadSettings();
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`LUNA cannot start:\n${err.problems.map((p) => `  ${p.where}: ${p.problem}${p.fix ? ` — ${p.fix}` : ''}`).join('\n')}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(settings.env.LOG_LEVEL);
  for (const p of settings.personas.list()) for (const w of p.warnings) log.warn(w, { persona: p.id });
  const luna = await startLuna(settings, { log });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    luna.stop().then(
      () => process.exit(0),
      (err) => {
        log.error('stop failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`LUNA failed to start: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
