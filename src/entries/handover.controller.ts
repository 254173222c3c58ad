/**
 * The leader's internal hand-over endpoint, `POST /_cluster/entries` (docs/operations.md, "The
 * hand-over"): a follower that admitted a statement (authenticated its submitter, verified the
 * signature, checked the policy and content) hands the entry bytes here, and the leader sequences
 * them WITHOUT verifying the signature again — so verification spreads over the followers.
 *
 * Because it bypasses verification it is reachable only with the node credential
 * (src/log/node-credential.ts): the header's form and time are checked before the body is read
 * ({@link handoverGate}), the MAC over the body once it is; any failure is 401 and nothing is
 * appended. Only a node of several mounts this controller: a single node answers 404. The leader
 * still checks what is cheap and decides what the log records (StatementChecker.admitHandedOver),
 * that the sender admitted it under the same policy (409 otherwise), and dedupes as for any
 * registration (same entry or statement id ⇒ the same receipt). A node that does not lead answers
 * 503 (the sender looks the leader up again; there is never a second hop).
 */
import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@nestjs/common';
import { malformed, ProblemError } from '../common/problem.js';
import { sendProblem } from '../common/problem.filter.js';
import { LogNode } from '../log/log-node.js';
import { HANDOVER, HANDOVER_ROUTE, NODE_AUTH, NodeAuthError, type HandoverSettings, type NodeCredential } from '../log/node-credential.js';
import { sendOutcome } from './entries.controller.js';
import { RegisterStatement, type RegistrationOutcome } from './register-statement.command.js';
import { registrationProblem } from './registration.problems.js';

const refusedNode = (why: string): ProblemError => new ProblemError(401, 'Unauthorized', `not a node of this cluster: ${why}`, 'ERR_NODE_UNAUTHENTICATED');

/** The `onRequest` hook: a hand-over without a well-formed, current node header is refused before its body is read. */
export function handoverGate(fastify: FastifyInstance, credential: NodeCredential, logger: Logger): void {
  fastify.addHook('onRequest', (req, reply, done) => {
    if (req.routeOptions?.url !== HANDOVER_ROUTE) return done();
    try {
      credential.precheck(req.headers[NODE_AUTH], Date.now());
    } catch (err) {
      if (!(err instanceof NodeAuthError)) return done(err as Error);
      logger.warn(`refused a hand-over from ${req.ip}: ${err.message}`);
      sendProblem(reply, refusedNode(err.message), logger);
      return;
    }
    done();
  });
}

@Controller('_cluster')
export class HandoverController {
  constructor(
    private readonly commands: CommandBus,
    private readonly node: LogNode,
    @Inject(HANDOVER) private readonly settings: HandoverSettings,
  ) {}

  @Post('entries')
  async handOver(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = req.body instanceof Uint8Array ? req.body : new Uint8Array(0);
    let claims;
    try {
      claims = this.settings.credential.verify(req.headers[NODE_AUTH], body, Date.now());
    } catch (err) {
      if (err instanceof NodeAuthError) throw refusedNode(err.message);
      throw err;
    }
    if (this.node.role !== 'leader') {
      throw new ProblemError(503, 'Service Unavailable', `this node (${this.node.role}) does not lead the log; look the leader up again`, 'ERR_NOT_LEADER', { 'retry-after': '1' });
    }
    if (claims.policyDigest !== this.settings.policyDigest) {
      throw new ProblemError(409, 'Conflict', `node ${claims.nodeId} admitted the statement under policy ${claims.policyDigest.slice(0, 12)}…, this leader runs ${this.settings.policyDigest.slice(0, 12)}…: every node must load the same POLICY_FILE`, 'ERR_NODE_POLICY_MISMATCH');
    }
    if (body.length === 0) throw malformed('a hand-over carries the entry bytes (application/cose)', 'ERR_EMPTY_BODY');
    let outcome: RegistrationOutcome;
    try {
      outcome = await this.commands.execute(new RegisterStatement(body, false, req.id, { nodeId: claims.nodeId, kid: claims.kid }));
    } catch (err) {
      throw registrationProblem(err);
    }
    sendOutcome(reply, outcome);
  }
}
