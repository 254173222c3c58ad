/**
 * `GET /subjects/sha256:<hex>/status`: the signed status statement of one collection digest
 * (docs/receipts.md#status-statements) — its revoked and superseded entries as of the last
 * checkpoint the claims projection applied, bound to that checkpoint, signed with the service key.
 */
import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { decodeProtectedHeader, getCwtClaims } from '../../libs/cose/src/index.js';
import { hashLeaf, inclusionProof } from '../../libs/merkle/src/index.js';
import { signStatusStatement } from '../../libs/receipt/src/index.js';
import { malformed, notFound, unavailable } from '../common/problem.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import { CONFIG, SERVICE_KEY } from '../infrastructure/tokens.js';
import { LogIndexStore } from '../log/log-index.store.js';
import { serviceSigner, type ServiceKey } from '../log/service-key.js';
import { ClaimsReader } from '../projections/claims.reader.js';
import { ProjectionSync } from '../projections/projection.sync.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The status statement of a collection digest (COSE_Sign1 bytes). */
export class GetSubjectStatus extends Query<Uint8Array> {
  constructor(readonly digest: string) {
    super();
  }
}

@QueryHandler(GetSubjectStatus)
export class GetSubjectStatusHandler implements IQueryHandler<GetSubjectStatus, Uint8Array> {
  private readonly sign: (tbs: Uint8Array) => Uint8Array;

  constructor(
    private readonly reader: ClaimsReader,
    private readonly sync: ProjectionSync,
    private readonly index: LogIndexStore,
    @Inject(SERVICE_KEY) private readonly key: ServiceKey,
    @Inject(CONFIG) private readonly config: ServiceConfig,
  ) {
    this.sign = serviceSigner(key);
  }

  async execute(q: GetSubjectStatus): Promise<Uint8Array> {
    await this.sync.awaitLog();
    const st = this.reader.subjectStatusAtCheckpoint(q.digest);
    if (!st || st.treeSize === 0) throw notFound('the log has no checkpoint yet: nothing to state');
    const cp = this.index.checkpoint(st.treeSize);
    const last = this.index.entryByIndex(st.treeSize - 1);
    const lastBytes = last && this.index.entryBytes(last.entryId);
    if (!cp || !lastBytes) throw unavailable(`the log index has no checkpoint at tree size ${st.treeSize} yet`, 1, 'ERR_INDEX_BEHIND');
    const path = await inclusionProof(this.index, st.treeSize - 1, st.treeSize);
    const logId = getCwtClaims(decodeProtectedHeader(cp.protectedHeader)).sub ?? '';
    return signStatusStatement({
      subject: q.digest,
      logId,
      treeSize: st.treeSize,
      root: cp.root,
      checkpointProtected: cp.protectedHeader,
      checkpointSignature: cp.signature,
      lastLeafHash: hashLeaf(lastBytes),
      lastLeafPath: path,
      entries: st.rows.map((r) => ({ ...r })),
      alg: this.key.alg,
      kid: this.key.kid,
      issuer: this.config.issuer,
      iat: Math.floor(Date.now() / 1000),
      sign: async (tbs) => this.sign(tbs),
    });
  }
}

@Controller('subjects')
export class SubjectStatusController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':digest/status')
  async status(@Param('digest') digest: string, @Res() reply: FastifyReply): Promise<void> {
    if (!DIGEST.test(digest)) throw malformed(`${JSON.stringify(digest.slice(0, 80))} is not a collection digest (sha256:<64 lowercase hex>)`, 'ERR_BAD_DIGEST');
    const bytes = await this.queries.execute(new GetSubjectStatus(digest));
    reply.status(200).headers({ 'content-type': 'application/cose', 'cache-control': 'no-store' }).send(bytes);
  }
}
