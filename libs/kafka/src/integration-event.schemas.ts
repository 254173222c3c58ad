/**
 * JSON Schemas (draft 2020-12) of the integration events' `data` and of the CloudEvents headers of
 * each Kafka message. They are data: docs/events.md shows them, consumers may validate with them
 * (the integration tests validate every message they read with ajv).
 */

/** CloudEvents `type` of each integration event. A changed shape gets a new `.vN` type, never an edit. */
export const IntegrationEventType = {
  EntryRegistered: 'dev.scitt-ledger.entry.registered.v1',
  CheckpointSigned: 'dev.scitt-ledger.checkpoint.signed.v1',
  ClaimRevoked: 'dev.scitt-ledger.claim.revoked.v1',
} as const;
export type IntegrationEventTypeName = (typeof IntegrationEventType)[keyof typeof IntegrationEventType];

const SCHEMA = 'https://json-schema.org/draft/2020-12/schema';
/** RFC 3339 date-time (what the ledger writes: UTC, `Z` or an offset). */
const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$';
const HEX32 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const INDEX = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const LOG_ID = { type: 'string', minLength: 1, description: 'the log identifier (also the Kafka message key)' } as const;

/** `data` of `dev.scitt-ledger.entry.registered.v1`: a signed statement got its place in the log. */
export const entryRegisteredSchema = {
  $schema: SCHEMA,
  $id: 'urn:scitt-ledger:events:entry.registered.v1',
  title: 'entry registered (v1)',
  type: 'object',
  additionalProperties: false,
  required: ['logId', 'entryId', 'index', 'iss', 'sub', 'contentType', 'kid', 'registeredAt', 'leafHash'],
  properties: {
    logId: LOG_ID,
    entryId: { ...HEX32, description: 'lowercase hex SHA-256 of the entry (GET /entries/{entryId})' },
    index: { ...INDEX, description: 'leaf index in the log (0-based)' },
    iss: { type: 'string', description: 'CWT issuer of the statement' },
    sub: { type: 'string', description: 'CWT subject (for claims about an OCI artifact: the collection reference)' },
    contentType: { type: 'string', description: "the statement's content type (protected header 3, or 259 for hash envelopes); '' when absent" },
    kid: { type: 'string', description: "issuer key id: hex of the kid bstr, or 'x5t:<hex>'" },
    registeredAt: { type: 'string', pattern: RFC3339 },
    leafHash: { ...HEX32, description: 'lowercase hex RFC 9162 leaf hash SHA-256(0x00 ‖ entry)' },
  },
} as const;

/** `data` of `dev.scitt-ledger.checkpoint.signed.v1`: the log signed a tree head. */
export const checkpointSignedSchema = {
  $schema: SCHEMA,
  $id: 'urn:scitt-ledger:events:checkpoint.signed.v1',
  title: 'checkpoint signed (v1)',
  type: 'object',
  additionalProperties: false,
  required: ['logId', 'treeSize', 'root', 'signedAt', 'signature'],
  properties: {
    logId: LOG_ID,
    treeSize: { ...INDEX, description: 'number of entries the checkpoint covers' },
    root: { ...HEX32, description: 'lowercase hex RFC 9162 Merkle tree head' },
    signedAt: { type: 'string', pattern: RFC3339 },
    signature: {
      type: 'object',
      description: 'a reference to the signed checkpoint (the signature itself is not in the event)',
      additionalProperties: false,
      required: ['href', 'sha256'],
      properties: {
        href: { type: 'string', minLength: 1, description: 'where to fetch the signed checkpoint (relative to the service URL when not absolute)' },
        sha256: { ...HEX32, description: 'lowercase hex SHA-256 of the COSE signature bytes' },
      },
    },
  },
} as const;

/** `data` of `dev.scitt-ledger.claim.revoked.v1`: a registered revocation statement revoked an entry. */
export const claimRevokedSchema = {
  $schema: SCHEMA,
  $id: 'urn:scitt-ledger:events:claim.revoked.v1',
  title: 'claim revoked (v1)',
  type: 'object',
  additionalProperties: false,
  required: ['logId', 'revokedEntryId', 'revocationEntryId', 'revocationIndex', 'iss', 'reason', 'revokedAt'],
  properties: {
    logId: LOG_ID,
    revokedEntryId: { ...HEX32, description: 'the entry the revocation names' },
    revocationEntryId: { ...HEX32, description: 'the revocation statement itself (an entry of the same log)' },
    revocationIndex: { ...INDEX, description: 'log index of the revocation statement: the claim counts as revoked from here on' },
    iss: { type: 'string', description: 'issuer of the revocation statement' },
    reason: { type: 'string', minLength: 1, maxLength: 1024 },
    revokedAt: { type: 'string', pattern: RFC3339, description: 'registration time of the revocation statement' },
  },
} as const;

/** Kafka headers of every message (CloudEvents Kafka protocol binding, binary content mode), as strings. */
export const cloudEventHeadersSchema = {
  $schema: SCHEMA,
  $id: 'urn:scitt-ledger:events:kafka-headers.v1',
  title: 'CloudEvents Kafka headers (binary mode)',
  type: 'object',
  required: ['ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_time', 'ce_subject', 'content-type'],
  properties: {
    ce_specversion: { const: '1.0' },
    ce_id: { type: 'string', minLength: 1, description: 'stable per event (derived from the log position): dedupe on (ce_source, ce_id)' },
    ce_source: { type: 'string', minLength: 1 },
    ce_type: { enum: Object.values(IntegrationEventType) },
    ce_time: { type: 'string', pattern: RFC3339 },
    ce_subject: { type: 'string', minLength: 1 },
    'content-type': { const: 'application/json' },
  },
} as const;

/** The data schema of each integration event type. */
export const integrationEventSchemas: Readonly<Record<IntegrationEventTypeName, object>> = {
  [IntegrationEventType.EntryRegistered]: entryRegisteredSchema,
  [IntegrationEventType.CheckpointSigned]: checkpointSignedSchema,
  [IntegrationEventType.ClaimRevoked]: claimRevokedSchema,
};
