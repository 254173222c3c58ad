/**
 * The OpenAPI 3.1 description of the HTTP API, served at `GET /openapi.json`. Maintained by hand
 * (the SCRAPI endpoints answer COSE and CBOR, which decorators describe poorly); the test
 * `test/e2e/openapi.e2e.spec.ts` keeps it honest: every route the service registers is described,
 * and real answers of every operation (problem details included) match their status, media type
 * and schema. docs/api.md explains each endpoint.
 */
import { OPEN_ROUTES } from '../auth/access.gate.js';
import { SCHEMAS } from './openapi.schemas.js';
import { CONTENT_SCHEMAS } from './content.schemas.js';

export const PROBLEM = 'application/concise-problem-details+cbor';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const retryAfter = { 'Retry-After': { description: 'seconds to wait before asking again', schema: { type: 'integer', minimum: 0 } } };
const location = { Location: { description: 'the entry: /entries/{id}', schema: { type: 'string' } } };

const problem = (description: string, headers?: object) => ({ description, ...(headers ? { headers } : {}), content: { [PROBLEM]: { schema: ref('ProblemDetails') } } });
const json = (description: string, schema: string) => ({ description, content: { 'application/json': { schema: ref(schema) } } });
const cose = (description: string, mediaType = 'application/cose') => ({ description, content: { [mediaType]: { schema: ref('CoseSign1') } } });

const badQuery = problem('a query parameter is unknown, repeated or malformed (ERR_QUERY_PARAMETER, ERR_BAD_CURSOR, ERR_BAD_ENTRY_ID), or a size is beyond the log (ERR_BEYOND_LOG)');
const behind = problem('the projection is behind the log after 2 s (ERR_PROJECTION_BEHIND)', retryAfter);
const entryIdParam = { name: 'id', in: 'path', required: true, schema: ref('EntryId') };
const q = (name: string, description: string, schema: object = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
const int = { type: 'integer', minimum: 0 };
const limit = q('limit', 'page size, 1–1000 (default 100)', { type: 'integer', minimum: 1, maximum: 1000 });
const coseOrJson = (description: string, schema: string) => ({
  description,
  content: { 'application/json': { schema: ref(schema) }, 'application/cose': { schema: ref('CoseSign1') } },
});

const DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'scitt-ledger',
    version: '0.1.0',
    summary: 'A SCITT transparency service: SCRAPI (draft-ietf-scitt-scrapi-11) and an auditor API',
    description:
      'Every 4xx/5xx body is RFC 9290 concise problem details in CBOR; match on its "code". CBOR bodies are described by their RFC 8949 §6.1 JSON form (byte strings as base64url, integer keys as decimal text). See docs/api.md.',
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
  paths: {
    '/entries': {
      post: {
        operationId: 'registerSignedStatement',
        summary: 'Register a signed statement (SCRAPI)',
        parameters: [{ name: 'Prefer', in: 'header', required: false, description: 'respond-async: answer 303 at once', schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'application/cose': { schema: ref('CoseSign1') } } },
        responses: {
          '201': { ...cose('registered: the RFC 9942 receipt'), headers: location },
          '303': { description: 'accepted, not yet durable: poll Location', headers: { ...location, ...retryAfter } },
          '400': problem('not a COSE_Sign1, a required header is missing, the signature does not verify, or the policy refuses it (code says which)'),
          '413': problem('the body is larger than MAX_BODY_BYTES'),
          '415': problem('the content type is not application/cose'),
          '429': problem('rate limited', retryAfter),
          '503': problem('the sequencing queue is full or the log is not writable', retryAfter),
        },
      },
    },
    '/entries/{id}': {
      get: {
        operationId: 'getReceipt',
        summary: 'The receipt of an entry (SCRAPI)',
        parameters: [entryIdParam],
        responses: {
          '200': cose('the RFC 9942 receipt'),
          '302': { description: 'still being sequenced', headers: { ...location, ...retryAfter } },
          '404': problem('no such entry (ERR_NOT_FOUND)'),
        },
      },
    },
    '/entries/{id}/statement': {
      get: {
        operationId: 'getTransparentStatement',
        summary: 'The transparent statement: the entry with its receipt in unprotected label 394',
        parameters: [entryIdParam],
        responses: {
          '200': cose('the transparent statement', 'application/scitt-statement+cose'),
          '302': { description: 'still being sequenced', headers: { ...location, ...retryAfter } },
          '404': problem('no such entry'),
        },
      },
    },
    '/entries/{id}/status': {
      get: {
        operationId: 'getEntryStatus',
        summary: 'Claim, revocation, supersession and publication state of an entry',
        parameters: [entryIdParam],
        responses: { '200': json('the entry status', 'EntryStatus'), '400': badQuery, '404': problem('no such entry'), '503': behind },
      },
    },
    '/entries/{id}/publication': {
      get: {
        operationId: 'getPublication',
        summary: "The entry's publication as an OCI referrer",
        parameters: [entryIdParam],
        responses: { '200': json('the publication state', 'Publication'), '404': problem('no such entry') },
      },
    },
    '/.well-known/scitt-keys': {
      get: {
        operationId: 'getServiceKeys',
        summary: "The service's keys (SCRAPI)",
        responses: { '200': { description: 'COSE Key Set', content: { 'application/cbor': { schema: ref('CoseKeySet') } } } },
      },
    },
    '/.well-known/scitt-keys/{kid}': {
      get: {
        operationId: 'getServiceKey',
        summary: 'One service key by kid (hex or base64url)',
        parameters: [{ name: 'kid', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'the COSE_Key', content: { 'application/cose-key': { schema: ref('CoseKey') } } }, '404': problem('no key with that kid') },
      },
    },
    '/claims': {
      get: {
        operationId: 'listClaims',
        summary: 'Claims, newest first, filtered (AND)',
        parameters: [
          q('issuer', 'CWT iss, exactly'),
          q('kid', 'hex kid or x5t:<hex>'),
          q('subject', 'a collection digest in any reference form (reg/repo@sha256:…, oci://…, bare sha256:…) matches by digest; other subjects exactly'),
          q('repository', '[oci://]registry/repository'),
          q('contentType', 'protected content type or preimage content type'),
          q('since', 'registered at or after (RFC 3339)'),
          q('until', 'registered before (RFC 3339)'),
          q('revoked', 'true or false', { enum: ['true', 'false'] }),
          q('precedence', 'with subject: issuers, most trusted first (iss1,iss2): adds decisions per kind'),
          q('predicateType', 'in-toto predicate type, exactly (e.g. https://slsa.dev/provenance/v1): adds content and treeSize'),
          q('builder', 'SLSA builder id (runDetails.builder.id), exactly: adds content and treeSize'),
          q('vulnerability', 'claims with a VEX statement about this id (CVE-…, GHSA-…): adds each claim\'s vex statements about it'),
          limit,
          q('cursor', 'next from the previous page'),
        ],
        responses: { '200': json('a page of claims', 'ClaimsPage'), '400': badQuery, '503': behind },
      },
    },
    '/components': {
      get: {
        operationId: 'listComponentClaims',
        summary: 'Collections whose current SBOM claims list a package (docs/api.md#components)',
        parameters: [
          { name: 'purl', in: 'query', required: true, description: 'a package URL: with version (that version, any qualifiers), with qualifiers or subpath (that purl exactly), without version (all versions)', schema: { type: 'string' } },
          limit,
          q('cursor', 'next from the previous page (it keeps the tree size of the first page)'),
        ],
        responses: { '200': json('SBOM claims listing the package, newest first', 'ComponentsPage'), '400': badQuery, '503': behind },
      },
    },
    '/subjects/{digest}/status': {
      get: {
        operationId: 'getSubjectStatus',
        summary: "A signed status statement: the collection digest's revoked and superseded entries as of the last checkpoint (docs/receipts.md)",
        parameters: [{ name: 'digest', in: 'path', required: true, schema: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } }],
        responses: {
          '200': { description: 'COSE_Sign1 signed by the service key', content: { 'application/cose': { schema: { type: 'string', format: 'binary' } } } },
          '400': problem('not a sha256 digest'),
          '404': problem('no checkpoint yet'),
          '503': behind,
        },
      },
    },
    '/log/stats': {
      get: { operationId: 'getLogStats', summary: 'Counts by issuer and content type', responses: { '200': json('log statistics', 'LogStats'), '503': behind } },
    },
    '/log/stats/registrations': {
      get: {
        operationId: 'getRegistrationsPerBucket',
        summary: 'Registrations per UTC hour or day over a recent window (the explorer chart)',
        parameters: [q('bucket', 'hour (default) or day', { enum: ['hour', 'day'] }), q('buckets', 'how many buckets, 1–366 (default 48 hours or 30 days)', { type: 'integer', minimum: 1, maximum: 366 })],
        responses: { '200': json('counts, oldest first; the last bucket is the current one', 'RegistrationsPerBucket'), '400': badQuery },
      },
    },
    '/explorer': {
      get: { operationId: 'getExplorerRoot', summary: 'Redirects to /explorer/', responses: { '301': { description: 'to /explorer/', headers: { Location: { schema: { type: 'string' } } } } } },
    },
    '/explorer/{file}': {
      get: {
        operationId: 'getExplorerFile',
        summary: "The auditor's explorer (docs/explorer.md): index.html for an empty file, else a file of its bundle",
        parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'the file', content: { 'text/html': { schema: { type: 'string' } }, 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } } },
          '304': { description: 'not modified (If-None-Match matched the ETag)' },
          '404': problem('no such file, or the explorer is not built (ERR_EXPLORER_NOT_BUILT)'),
        },
      },
    },
    '/log/entries': {
      get: {
        operationId: 'listLogEntries',
        summary: 'Entries in log order (replay)',
        parameters: [q('start', 'first index (default 0)', int), limit],
        responses: { '200': json('a page of entries', 'LogEntriesPage'), '400': badQuery },
      },
    },
    '/checkpoints': {
      get: {
        operationId: 'listCheckpoints',
        summary: 'Checkpoints in ascending tree size',
        parameters: [q('after', 'sizes greater than this (default 0)', int), limit],
        responses: { '200': json('a page of checkpoints', 'CheckpointsPage'), '400': badQuery },
      },
    },
    '/checkpoints/latest': {
      get: {
        operationId: 'getLatestCheckpoint',
        summary: 'The latest checkpoint',
        responses: { '200': coseOrJson('the checkpoint (Accept: application/cose for the COSE_Sign1 with the root attached)', 'Checkpoint'), '404': problem('no checkpoint yet') },
      },
    },
    '/checkpoints/{treeSize}': {
      get: {
        operationId: 'getCheckpoint',
        summary: 'The checkpoint signed at a tree size',
        parameters: [{ name: 'treeSize', in: 'path', required: true, schema: int }],
        responses: { '200': coseOrJson('the checkpoint', 'Checkpoint'), '400': badQuery, '404': problem('no checkpoint was signed at that size') },
      },
    },
    '/proofs/inclusion': {
      get: {
        operationId: 'getInclusionProof',
        summary: 'Inclusion proof of an entry (by id or index) in a tree size',
        parameters: [q('entry', 'entry id'), q('index', 'leaf index', int), q('treeSize', 'default: the latest checkpoint', int)],
        responses: {
          '200': coseOrJson('the proof (Accept: application/cose for an RFC 9942 inclusion receipt)', 'InclusionProof'),
          '400': problem('bad parameters, a size beyond the log, or an entry not in the tree (ERR_NOT_IN_TREE)'),
          '404': problem('no such entry, or no checkpoint at that size for a receipt'),
        },
      },
    },
    '/proofs/consistency': {
      get: {
        operationId: 'getConsistencyProof',
        summary: 'Consistency proof between two tree sizes',
        parameters: [q('from', 'older size (≥ 1)', int), q('to', 'newer size (default: the latest checkpoint)', int)],
        responses: {
          '200': coseOrJson('the proof (Accept: application/cose for an RFC 9942 consistency receipt)', 'ConsistencyProof'),
          '400': problem('from = 0 (ERR_MERKLE_EMPTY_TREE), from > to (ERR_MERKLE_SIZE_ORDER), a size beyond the log'),
          '404': problem('no checkpoint at that size for a receipt'),
        },
      },
    },
    '/health': {
      get: { operationId: 'getHealth', summary: 'Liveness: the process answers', responses: { '200': json('alive', 'Health') } },
    },
    '/health/live': {
      get: { operationId: 'getLiveness', summary: 'Liveness: the process answers (docs/operations.md#health)', responses: { '200': json('alive', 'Health') } },
    },
    '/health/ready': {
      get: {
        operationId: 'getReadiness',
        summary: 'Readiness: registrations can be sequenced now (docs/operations.md#health)',
        responses: {
          '200': json('ready', 'Readiness'),
          '503': problem('not ready: the sequencer is starting, reloading, recovering or stopped (ERR_NOT_READY)', retryAfter),
        },
      },
    },
    '/health/details': {
      get: { operationId: 'getHealthDetails', summary: "The log and every processor's position, lag and last error", responses: { '200': json('details', 'HealthDetails') } },
    },
    '/metrics': {
      get: {
        operationId: 'getMetrics',
        summary: 'Prometheus metrics (docs/operations.md)',
        responses: { '200': { description: 'text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    '/openapi.json': {
      get: { operationId: 'getOpenApi', summary: 'This document', responses: { '200': json('OpenAPI 3.1', 'OpenApi') } },
    },
  },
  components: { schemas: { ...SCHEMAS, ...CONTENT_SCHEMAS } },
} as const;

/**
 * Optional authentication (src/auth, docs/operations.md): with AUTH_TOKENS_FILE or an OIDC issuer
 * configured, `POST /entries` needs a bearer credential (401 without a valid one, 403 when the
 * identity may not register for the statement's issuer); with AUTH_READ=true every other route
 * but the open ones (health, keys) needs one too.
 */
function withAuthentication<T extends { paths: object; components: object }>(doc: T): T {
  const out = JSON.parse(JSON.stringify(doc)) as { paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>; components: Record<string, unknown> };
  out.components.securitySchemes = {
    bearer: { type: 'http', scheme: 'bearer', description: 'a static API token (scitt_…) or an OIDC JWT, when the service is configured for them' },
  };
  const open = new Set([...OPEN_ROUTES].map((r) => r.replace(/:([A-Za-z]+)/g, '{$1}')));
  for (const [path, ops] of Object.entries(out.paths)) {
    if (open.has(path)) continue;
    for (const [method, op] of Object.entries(ops)) {
      op.security = [{}, { bearer: [] }];
      op.responses['401'] = problem(
        method === 'post' ? 'no valid credential while authentication is configured (ERR_UNAUTHENTICATED, ERR_TOKEN_INVALID)' : 'no valid credential while AUTH_READ=true',
        { 'WWW-Authenticate': { description: 'Bearer challenge (RFC 6750)', schema: { type: 'string' } } },
      );
      if (method === 'post') op.responses['403'] = problem("the credential's identity may not register for this issuer (ERR_SUBMITTER_NOT_ALLOWED)");
    }
  }
  return out as unknown as T;
}

export const OPENAPI_DOCUMENT = withAuthentication(DOCUMENT);
