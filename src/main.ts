import { Logger } from '@nestjs/common';
import { loadConfig } from './infrastructure/config.js';
import { createLedgerApp } from './ledger.app.js';

// Verification threads: statement signatures are verified on the libuv threadpool, whose size
// libuv reads from UV_THREADPOOL_SIZE when the pool first starts. This module cannot set it: the
// ES module loader has started the pool by the time any of its code runs (docs/operations.md). An
// earlier `process.env.UV_THREADPOOL_SIZE ??= …` here changed nothing: the service had 14 threads
// with it and 11 with UV_THREADPOOL_SIZE=1 set in the environment.

async function main(): Promise<void> {
  const config = loadConfig();
  const ledger = await createLedgerApp(config);
  const logger = new Logger('main');
  const stop = (signal: string): void => {
    logger.log(`${signal}: shutting down (draining the sequencer)`);
    ledger.close().then(
      () => process.exit(0),
      (err) => {
        logger.error(`shutdown failed: ${String(err?.stack ?? err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  // Configuration and start-up errors: one clear line, no stack unless asked.
  console.error(`scitt-ledger: couldn't start: ${err?.message ?? err}`);
  if (process.env.LOG_LEVEL === 'debug') console.error(err); // read raw: the configuration may be what failed
  process.exit(1);
});
