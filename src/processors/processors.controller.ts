import { Controller, Get, Inject, Query } from '@nestjs/common';
import { onlyParams, type RawQuery } from '../auditor/query-params.js';
import { LogNode, type NodeStatus } from '../log/log-node.js';
import type { SequencerStatus } from '../log/sequencer.js';
import { FEATURES } from '../infrastructure/tokens.js';
import type { ProcessorStatus, ServiceFeature } from './service-processor.js';

/** Health with details: the log, this node (role, leader, lag), and every processor's position, lag and last error. */
@Controller()
export class ProcessorsController {
  constructor(
    private readonly sequencer: LogNode,
    @Inject(FEATURES) private readonly features: readonly ServiceFeature[],
  ) {}

  /** `status` is `ok` when the sequencer is ready for writes (as /health/ready), `not-ready` otherwise. No file system paths. */
  @Get('/health/details')
  async details(@Query() q: RawQuery): Promise<{ status: 'ok' | 'not-ready'; log: { size: number; queue: number; checkpoint: number | null; sequencer: SequencerStatus }; node: NodeStatus; processors: ProcessorStatus[] }> {
    onlyParams(q, []);
    const processors = await Promise.all(this.features.flatMap((f) => f.processors).map((p) => p.status()));
    const sequencer = this.sequencer.status();
    return {
      status: sequencer.ready ? 'ok' : 'not-ready',
      log: { size: this.sequencer.size, queue: this.sequencer.queueLength, checkpoint: this.sequencer.lastCheckpoint?.treeSize ?? null, sequencer },
      // role, who leads, and (followers) how far this node's index is behind the store
      node: await this.sequencer.nodeStatus(),
      processors,
    };
  }
}
