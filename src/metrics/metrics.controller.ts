import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AggregatorRegistry, Gauge } from 'prom-client';
import type { MetricJson } from '../processors/processor.js';
import { ServiceMetrics } from './service.metrics.js';

/** DI token: where the processors' metrics come from (their thread, or nothing when they share this one). */
export const PROCESSOR_METRICS = Symbol('PROCESSOR_METRICS');
export type ProcessorMetricsSource = () => Promise<MetricJson>;

/**
 * `GET /metrics`: Prometheus text exposition of this thread's registry merged with the processors'
 * thread's (prom-client's AggregatorRegistry, as for cluster workers, with a thread in place of a
 * process). When that thread does not answer, this thread's metrics are still served, with
 * `scitt_processor_metrics_up 0`.
 */
@Controller()
export class MetricsController {
  private readonly up: Gauge;

  constructor(
    private readonly metrics: ServiceMetrics,
    @Inject(PROCESSOR_METRICS) private readonly processorMetrics: ProcessorMetricsSource,
  ) {
    this.up = new Gauge({ name: 'scitt_processor_metrics_up', help: "1 when the processors' thread answered for this scrape, 0 when it did not (its metrics are missing from this scrape)", registers: [metrics.registry] });
  }

  @Get('/metrics')
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    let theirs: MetricJson = [];
    try {
      theirs = await this.processorMetrics();
      this.up.set(1);
    } catch {
      this.up.set(0);
    }
    const ours = await this.metrics.registry.getMetricsAsJSON();
    const text = await AggregatorRegistry.aggregate([ours, theirs]).metrics();
    reply.status(200).header('content-type', this.metrics.registry.contentType).send(text);
  }
}
