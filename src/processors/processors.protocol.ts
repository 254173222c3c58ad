/**
 * The API between the {@link ProcessorHost}'s thread side (processor-host.ts) and the processors'
 * thread (processors.worker.ts), carried by the worker-RPC helper (libs/threads).
 *
 *   host → thread  start(leading) → names · lead(leading) → names · status() → statuses ·
 *                  metrics() → the thread's Prometheus registry as prom-client JSON · stop()
 *   thread → host  push { pauses }: the referrer publisher paused or resumed a registry
 */
import type { Env } from '../infrastructure/env.reader.js';
import type { RegistryPause } from '../publisher/publication.worker.js';
import type { MetricJson, ProcessorStatus } from './processor.js';

/** The thread's `workerData`: where the configuration comes from (it is read again there: functions and URLs can't cross threads). */
export interface ProcessorsWorkerData {
  readonly env: Env;
  readonly cwd: string;
}

export type ProcessorsWorkerApi = {
  /** opens the thread's own stores, starts the processors (the publishers too when `leading`); their names (rejects with the reason they can't start) */
  start(leading: boolean): Promise<string[]>;
  /** starts or stops (after the batch in hand) the publishers: this node gained or lost the sequencer lease; the processors' names now */
  lead(leading: boolean): Promise<string[]>;
  status(): Promise<ProcessorStatus[]>;
  metrics(): Promise<MetricJson>;
  /** stops the processors (each after its batch in hand), closes the stores; the thread then ends */
  stop(): Promise<void>;
};

export interface ProcessorsWorkerPush {
  readonly pauses: RegistryPause[];
}
