import { loadSettings } from './config/load.js';
import { SettingsError, LunaError } from './infra/errors.js';
import { launchLuna, type Luna } from './luna.js';
import { createLogger } from './infra/log.js';

/**
 * Entry point: read settings (or explain in one line per problem what is wrong), start, stop on signals.
 * The HTTP server is up before Redis has to answer.
 */
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

  // Filled in as they start, so a signal at any point stops what there is.
  const running: { luna?: Luna } = {};
  let stopping = false;
  const stop = (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    (async () => {
      await running.luna?.stop();
    })().then(
      () => process.exit(code),
      (err) => {
        log.error('stop failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const luna = await launchLuna(settings, { log });
  running.luna = luna;
  luna.ready.catch((err: unknown) => {
    if (err instanceof LunaError && err.code === 'luna_stopped') return;
    log.error(`LUNA failed to start: ${(err as Error)?.message ?? String(err)}`, { err });
    stop('start-up failure', 1);
  });
}

main().catch((err) => {
  process.stderr.write(`LUNA failed to start: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
