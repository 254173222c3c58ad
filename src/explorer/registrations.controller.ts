/**
 * `GET /log/stats/registrations`: registrations per hour or per day over a recent window, for the
 * explorer's chart (docs/api.md). Read from the claims projection; the cost is the window's rows
 * (see ClaimsReader.registrations), bounded by `buckets` ≤ 366.
 */
import { Controller, Get, Query as QueryParams } from '@nestjs/common';
import { malformed } from '../common/problem.js';
import { ClaimsReader } from '../projections/claims.reader.js';
import { int, onlyParams, str, type RawQuery } from '../auditor/query-params.js';

const BUCKETS: Readonly<Record<string, number>> = { hour: 3_600_000, day: 86_400_000 };
const DEFAULT_BUCKETS: Readonly<Record<string, number>> = { hour: 48, day: 30 };

export interface RegistrationsPerBucket {
  readonly bucket: 'hour' | 'day';
  /** the projection's log size when the counts were read */
  readonly treeSize: number;
  /** start of the first bucket (RFC 3339, UTC-aligned) */
  readonly from: string;
  /** one count per bucket, oldest first, the last one the current (partial) bucket */
  readonly counts: readonly { readonly start: string; readonly count: number }[];
}

@Controller('log/stats')
export class RegistrationsController {
  constructor(private readonly claims: ClaimsReader) {}

  @Get('registrations')
  registrations(@QueryParams() q: RawQuery): RegistrationsPerBucket {
    onlyParams(q, ['bucket', 'buckets']);
    const bucket = str(q, 'bucket') ?? 'hour';
    const bucketMs = BUCKETS[bucket];
    if (bucketMs === undefined) throw malformed(`query parameter bucket=${JSON.stringify(bucket.slice(0, 20))} must be hour or day`, 'ERR_QUERY_PARAMETER');
    const n = int(q, 'buckets', 1, 366) ?? DEFAULT_BUCKETS[bucket]!;
    const current = Math.floor(Date.now() / bucketMs) * bucketMs;
    const fromMs = current - (n - 1) * bucketMs;
    const treeSize = this.claims.size();
    const found = new Map(this.claims.registrations(bucketMs, fromMs));
    const counts = Array.from({ length: n }, (_, i) => {
      const start = fromMs + i * bucketMs;
      return { start: new Date(start).toISOString(), count: found.get(start) ?? 0 };
    });
    return { bucket: bucket as 'hour' | 'day', treeSize, from: new Date(fromMs).toISOString(), counts };
  }
}
