/**
 * Auditor API on the claims projection: claims by issuer, key, subject, repository; entry status
 * (revocation, supersession, publication); log statistics (docs/api.md).
 */
import { Controller, Get, Inject, Param, Query as QueryParams } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { malformed } from '../common/problem.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import { CONFIG } from '../infrastructure/tokens.js';
import type { LogStats } from '../projections/claims.reader.js';
import { repositoryKey } from '../projections/subject.key.js';
import { GetClaims, GetEntryStatus, GetLogStats, type ClaimsPage, type EntryStatus } from './auditor.queries.js';
import { boolParam, decodeCursor, entryIdParam, kidParam, limitOf, onlyParams, str, timeParam, type RawQuery } from './query-params.js';

const CLAIMS_PARAMS = ['issuer', 'kid', 'subject', 'repository', 'contentType', 'since', 'until', 'revoked', 'limit', 'cursor', 'precedence', 'predicateType', 'builder', 'vulnerability'];
const MAX_PRECEDENCE = 32;

/** `precedence=iss1,iss2,…`: issuers, most trusted first (1–32, no repeats). */
function precedenceParam(q: RawQuery): string[] | undefined {
  const v = str(q, 'precedence');
  if (v === undefined) return undefined;
  const list = v.split(',').map((x) => x.trim());
  if (list.some((x) => x === '') || list.length > MAX_PRECEDENCE || new Set(list).size !== list.length) {
    throw malformed(`precedence must list 1–${MAX_PRECEDENCE} distinct issuers separated by commas, most trusted first`, 'ERR_QUERY_PARAMETER');
  }
  return list;
}

@Controller()
export class ClaimsController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(CONFIG) private readonly config: ServiceConfig,
  ) {}

  @Get('claims')
  async claims(@QueryParams() q: RawQuery): Promise<ClaimsPage> {
    onlyParams(q, CLAIMS_PARAMS);
    const repository = str(q, 'repository');
    const repo = repository === undefined ? undefined : repositoryKey(repository);
    if (repository !== undefined && repo === undefined) {
      throw malformed(`repository=${JSON.stringify(repository.slice(0, 80))} is not an OCI repository ([oci://]registry/name)`, 'ERR_QUERY_PARAMETER');
    }
    const sinceMs = timeParam(q, 'since');
    const untilMs = timeParam(q, 'until');
    if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) throw malformed('since must not be after until', 'ERR_QUERY_PARAMETER');
    const filter = {
      issuer: str(q, 'issuer'),
      kid: kidParam(q),
      subject: str(q, 'subject'),
      repository: repo,
      contentType: str(q, 'contentType'),
      sinceMs,
      untilMs,
      revoked: boolParam(q, 'revoked'),
      predicateType: str(q, 'predicateType'),
      builder: str(q, 'builder'),
      vulnerability: str(q, 'vulnerability'),
    };
    const precedence = precedenceParam(q);
    if (precedence && filter.subject === undefined) throw malformed('precedence needs subject= (it decides between the claims about one collection)', 'ERR_QUERY_PARAMETER');
    return this.queries.execute(new GetClaims(filter, decodeCursor(str(q, 'cursor')), limitOf(q), this.config.pageMaxBytes, precedence));
  }

  @Get('entries/:id/status')
  async status(@Param('id') id: string, @QueryParams() q: RawQuery): Promise<EntryStatus> {
    onlyParams(q, []);
    return this.queries.execute(new GetEntryStatus(entryIdParam(id, 'entry id')));
  }

  @Get('log/stats')
  async stats(@QueryParams() q: RawQuery): Promise<LogStats> {
    onlyParams(q, []);
    return this.queries.execute(new GetLogStats());
  }
}
