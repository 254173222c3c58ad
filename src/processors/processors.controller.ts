import { Controller, Get, Inject, Query } from '@nestjs/common';
import { onlyParams, type RawQuery } from '../auditor/query-params.js';
import { LogNode, type NodeStatus } from '../log/log-node.js';
import type { SequencerStatus } from '../log/sequencer.js';
import { PROCESSORS } from '../infrastructure/tokens.js';
import type { ProcessorHost, ProcessorStatus } from './processor.js';

/** Health with details: the log, this node (role, leader, lag), and every processor's position, lag and last error. */
@Controller()
export class ProcessorsController {
  constructor(
    private readonly sequencer: LogNode,
    @Inject(PROCESSORS) private readonly host: Pick<ProcessorHost, 'processors'>,
  ) {}

  /** `status` is `ok` when the sequencer is ready for writes (as /health/ready), `not-ready` otherwise. No file system paths. */
  @Get('/health/details')
  async details(@Query() q: RawQuery): Promise<{ status: 'ok' | 'not-ready'; log: { size: number; queue: number; checkpoint: number | null; sequencer: SequencerStatus }; node: NodeStatus; processors: ProcessorStatus[] }> {
    onlyParams(q, []);
    const processors = await Promise.all(this.host.processors.map(async (p) => p.status()));
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
