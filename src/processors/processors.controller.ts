import { Controller, Get, Inject } from '@nestjs/common';
import { Sequencer } from '../log/sequencer.js';
import { FEATURES } from '../infrastructure/tokens.js';
import type { ProcessorStatus, ServiceFeature } from './service-processor.js';

/** Health with details: the log, and every processor's position, lag and last error. */
@Controller()
export class ProcessorsController {
  constructor(
    private readonly sequencer: Sequencer,
    @Inject(FEATURES) private readonly features: readonly ServiceFeature[],
  ) {}

  @Get('/health/details')
  async details(): Promise<{ status: 'ok'; log: { size: number; queue: number; checkpoint: number | null }; processors: ProcessorStatus[] }> {
    const processors = await Promise.all(this.features.flatMap((f) => f.processors).map((p) => p.status()));
    return {
      status: 'ok',
      log: { size: this.sequencer.size, queue: this.sequencer.queueLength, checkpoint: this.sequencer.lastCheckpoint?.treeSize ?? null },
      processors,
    };
  }
}
