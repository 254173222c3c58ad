/**
 * `GET /components?purl=<package URL>` (docs/api.md#components): which collections' current SBOM
 * claims list a package — exactly (`pkg:npm/lodash@4.17.20`) or in any version (`pkg:npm/lodash`).
 */
import { Controller, Get, Query as QueryParams } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { malformed } from '../common/problem.js';
import { componentQuery, type ComponentQuery } from '../projections/content.reader.js';
import { decodeComponentsCursor, GetComponents, type ComponentsPage } from './content.handlers.js';
import { limitOf, onlyParams, str, type RawQuery } from './query-params.js';

@Controller()
export class ComponentsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('components')
  async components(@QueryParams() q: RawQuery): Promise<ComponentsPage> {
    onlyParams(q, ['purl', 'limit', 'cursor']);
    const purl = str(q, 'purl');
    if (purl === undefined) throw malformed('purl is required (a package URL, e.g. pkg:npm/lodash@4.17.20, or pkg:npm/lodash for all versions)', 'ERR_QUERY_PARAMETER');
    let query: ComponentQuery;
    try {
      query = componentQuery(purl);
    } catch (e) {
      throw malformed(`purl=${JSON.stringify(purl.slice(0, 120))} is not a package URL: ${(e as Error).message}`, 'ERR_QUERY_PARAMETER');
    }
    return this.queries.execute(new GetComponents(query, decodeComponentsCursor(str(q, 'cursor')), limitOf(q)));
  }
}
