import { availableParallelism } from 'node:os';
import { Logger } from '@nestjs/common';
import { loadConfig } from './infrastructure/config.js';
import { createLedgerApp } from './ledger.app.js';

/**
 * Verification threads. Statement signatures are verified on the libuv threadpool; its default
 * of 4 threads on a 2-core machine starves the event loop (HTTP, sequencing) under load. One
 * thread per core but one, leaving a core for the event loop, measured 2.6–3.3× the throughput
 * of the default on 2 cores (docs/benchmarks.md). Must be set before the pool is first used.
 */
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(1, availableParallelism() - 1));

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
