/**
 * The schemas of the OpenAPI document (openapi.document.ts). CBOR bodies are described by the JSON
 * form RFC 8949 §6.1 gives them — byte strings as base64url text, integer map keys as their
 * decimal text (`-1`, `-2` …) — which is also how the tests compare real responses with them.
 */
const hex = (bytes: number, description: string) => ({ type: 'string', pattern: `^[0-9a-f]{${bytes * 2}}$`, description });
const b64url = (description: string) => ({ type: 'string', pattern: '^[A-Za-z0-9_-]*$', description });
const time = { type: 'string', format: 'date-time' };
const size = (description: string) => ({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const revocation = {
  type: 'object',
  required: ['byEntryId', 'atIndex', 'reason'],
  additionalProperties: false,
  properties: { byEntryId: ref('EntryId'), atIndex: size('log index of the revocation'), reason: { type: 'string' } },
};

export const SCHEMAS = {
  EntryId: hex(32, 'lowercase hex SHA-256 of the entry (the statement with its unprotected header emptied)'),
  ProblemDetails: {
    type: 'object',
    description:
      'RFC 9290 concise problem details (a CBOR map): -1 title, -2 detail, -4 status (RFC 9290 §2 labels), "code" a stable ERR_… code to match on. Shown in the RFC 8949 §6.1 JSON form.',
    required: ['-1', 'code'],
    properties: {
      '-1': { type: 'string', description: 'title' },
      '-2': { type: 'string', description: 'detail' },
      '-4': { type: 'integer', minimum: 400, maximum: 599, description: 'the HTTP status' },
      code: { type: 'string', pattern: '^ERR_[A-Z0-9_]+$' },
    },
  },
  CoseSign1: {
    type: 'string',
    contentMediaType: 'application/cose',
    description: 'a tagged COSE_Sign1 (CBOR tag 18), shown as base64url of its bytes',
    pattern: '^[A-Za-z0-9_-]+$',
  },
  CoseKey: {
    type: 'object',
    description: 'a COSE_Key (RFC 9052 §7): 1 kty, 2 kid (the RFC 9679 thumbprint), 3 alg, -1 crv, -2 x, -3 y',
    required: ['1', '2', '3'],
    properties: { '1': { type: 'integer' }, '2': b64url('kid'), '3': { type: 'integer' }, '-1': { type: 'integer' }, '-2': b64url('x'), '-3': b64url('y') },
  },
  CoseKeySet: { type: 'array', minItems: 1, items: ref('CoseKey'), description: 'COSE_KeySet: every key the log ever signed with' },
  Health: { type: 'object', required: ['status'], properties: { status: { type: 'string' } } },
  Readiness: {
    type: 'object',
    required: ['status', 'sequencer'],
    properties: { status: { type: 'string' }, sequencer: { type: 'object', required: ['state', 'ready'], properties: { state: { type: 'string' }, ready: { type: 'boolean' } } } },
  },
  HealthDetails: {
    type: 'object',
    required: ['status', 'log', 'processors'],
    properties: {
      status: { type: 'string' },
      log: {
        type: 'object',
        required: ['size', 'queue', 'checkpoint'],
        properties: { size: size('entries in the log'), queue: size('statements waiting for the sequencer'), checkpoint: { oneOf: [size('tree size of the last checkpoint'), { type: 'null' }] } },
      },
      node: {
        type: 'object',
        description: 'this node (docs/operations.md, several nodes): NODE_ROLE, its role now, who leads, and how far its index is behind the store',
        required: ['id', 'url', 'mode', 'role', 'leader'],
        properties: {
          id: { type: 'string' },
          url: { type: 'string' },
          mode: { type: 'string', enum: ['single', 'auto', 'follower'] },
          role: { type: 'string', enum: ['starting', 'leader', 'promoting', 'follower', 'stopped'] },
          leader: { oneOf: [{ type: 'object', required: ['id', 'url'], properties: { id: { type: 'string' }, url: { type: 'string' }, since: { type: 'string' } } }, { type: 'null' }] },
          lag: { type: 'object', properties: { events: size('events of the log stream not yet in this node\'s index'), ms: { type: 'integer', description: 'age of the oldest of them' } } },
          forwarded: size('registrations handed to the leader'),
          followerError: { type: 'string' },
        },
      },
      processors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'running', 'position'],
          properties: {
            name: { type: 'string' },
            running: { type: 'boolean' },
            position: { type: 'string', description: 'the global store position handled so far' },
            lag: { type: 'integer', description: 'events the processor has yet to handle (its filter applied); -1 when it could not be measured' },
            lastError: { type: 'string' },
          },
        },
      },
    },
  },
  Claim: {
    type: 'object',
    required: ['index', 'entryId', 'iss', 'sub', 'kid', 'contentType', 'registeredAt', 'revoked'],
    additionalProperties: false,
    properties: {
      index: size('log index'),
      entryId: ref('EntryId'),
      iss: { type: 'string' },
      sub: { type: 'string' },
      kid: { type: 'string', description: 'hex kid, or x5t:<hex SHA-256 of the leaf certificate>' },
      contentType: { type: 'string' },
      registeredAt: time,
      revoked: { type: 'boolean' },
      revocation,
      supersededBy: ref('EntryId'),
      statementId: ref('EntryId'),
      subjectDigest: { oneOf: [{ type: 'string', pattern: '^sha256:[0-9a-f]{64}$' }, { type: 'null' }] },
      kind: { type: 'string', description: 'what the claim is about: its content type' },
      current: { type: 'boolean', description: 'neither revoked nor superseded (and no revocation)' },
      supersession: { type: 'object', required: ['byEntryId', 'atIndex', 'how'], additionalProperties: false, properties: { byEntryId: ref('EntryId'), atIndex: size('log index of the superseding entry'), how: { enum: ['explicit', 'implicit'] } } },
      supersedes: ref('EntryId'),
      duplicateOf: ref('EntryId'),
      content: ref('ClaimContent'),
      vex: { type: 'array', items: ref('VexStatement'), description: 'with vulnerability=: the VEX statements about it, one per product' },
    },
  },
  ClaimsPage: {
    type: 'object',
    required: ['items', 'next'],
    additionalProperties: false,
    properties: {
      items: { type: 'array', items: ref('Claim') },
      next: { oneOf: [b64url('cursor for the next page'), { type: 'null' }] },
      treeSize: { type: 'integer', minimum: 0, description: 'with a content filter: the tree size the content index reflects' },
      subject: {
        type: 'object',
        required: ['digest', 'references'],
        additionalProperties: false,
        properties: { digest: { oneOf: [{ type: 'string', pattern: '^sha256:[0-9a-f]{64}$' }, { type: 'null' }] }, references: { type: 'array', items: { type: 'string' } } },
      },
      decisions: {
        type: 'array',
        items: {
          type: 'object',
          required: ['kind', 'decidedBy', 'iss', 'others'],
          additionalProperties: false,
          properties: {
            kind: { type: 'string' },
            decidedBy: { oneOf: [ref('EntryId'), { type: 'null' }] },
            iss: { oneOf: [{ type: 'string' }, { type: 'null' }] },
            others: { type: 'array', items: { type: 'object', required: ['entryId', 'iss', 'why'], additionalProperties: false, properties: { entryId: ref('EntryId'), iss: { type: 'string' }, why: { type: 'string' } } } },
          },
        },
      },
    },
  },
  Publication: {
    type: 'object',
    required: ['entryId', 'state', 'attempts'],
    properties: {
      entryId: ref('EntryId'),
      state: { enum: ['pending', 'published', 'failed-retrying', 'not-applicable', 'disabled'] },
      target: { type: 'string' },
      targetKind: { enum: ['registry', 'oci-layout'] },
      subject: { type: 'string' },
      digest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
      attempts: size('attempts made'),
      lastError: { type: 'string' },
      lastErrorCode: { type: 'string' },
      reason: { type: 'string' },
    },
  },
  EntryStatus: {
    type: 'object',
    required: ['entryId', 'index', 'iss', 'sub', 'contentType', 'registeredAt', 'revoked', 'publication'],
    properties: {
      entryId: ref('EntryId'),
      index: size('log index'),
      iss: { type: 'string' },
      sub: { type: 'string' },
      contentType: { type: 'string' },
      registeredAt: time,
      revoked: { type: 'boolean' },
      revocation,
      supersededBy: ref('EntryId'),
      supersession: { type: 'object', required: ['byEntryId', 'atIndex', 'how'], additionalProperties: false, properties: { byEntryId: ref('EntryId'), atIndex: size('log index of the superseding entry'), how: { enum: ['explicit', 'implicit'] } } },
      current: { type: 'boolean' },
      statementId: ref('EntryId'),
      kind: { type: 'string' },
      subjectDigest: { oneOf: [{ type: 'string', pattern: '^sha256:[0-9a-f]{64}$' }, { type: 'null' }] },
      duplicateOf: ref('EntryId'),
      publication: { oneOf: [ref('Publication'), { type: 'null' }] },
    },
  },
  LogStats: {
    type: 'object',
    required: ['treeSize', 'checkpoint', 'issuers', 'contentTypes', 'revoked'],
    properties: {
      treeSize: size('entries in the log'),
      checkpoint: { oneOf: [{ type: 'object', required: ['treeSize', 'signedAt'], properties: { treeSize: size('tree size'), signedAt: time } }, { type: 'null' }] },
      issuers: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
      contentTypes: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
      revoked: size('revoked claims'),
    },
  },
  RegistrationsPerBucket: {
    type: 'object',
    required: ['bucket', 'treeSize', 'from', 'counts'],
    additionalProperties: false,
    properties: {
      bucket: { enum: ['hour', 'day'] },
      treeSize: size('the projection\'s log size when the counts were read'),
      from: time,
      counts: { type: 'array', items: { type: 'object', required: ['start', 'count'], additionalProperties: false, properties: { start: time, count: size('registrations in the bucket') } } },
    },
  },
  Checkpoint: {
    type: 'object',
    required: ['treeSize', 'root', 'signedAt', 'kid', 'protectedHeader', 'signature'],
    additionalProperties: false,
    properties: {
      treeSize: size('tree size'),
      root: hex(32, 'RFC 9162 root hash'),
      signedAt: time,
      kid: { type: 'string', pattern: '^[0-9a-f]+$' },
      protectedHeader: b64url('the checkpoint signature\'s protected header (shared by every receipt of the checkpoint)'),
      signature: b64url('the signature'),
    },
  },
  CheckpointsPage: {
    type: 'object',
    required: ['items', 'next'],
    additionalProperties: false,
    properties: { items: { type: 'array', items: ref('Checkpoint') }, next: { oneOf: [size('the tree size to pass as after'), { type: 'null' }] } },
  },
  InclusionProof: {
    type: 'object',
    required: ['entryId', 'leafIndex', 'treeSize', 'leafHash', 'root', 'path'],
    additionalProperties: false,
    properties: {
      entryId: ref('EntryId'),
      leafIndex: size('leaf index'),
      treeSize: size('tree size'),
      leafHash: hex(32, 'SHA-256(0x00 ‖ entry)'),
      root: hex(32, 'root at treeSize'),
      path: { type: 'array', items: hex(32, 'RFC 9162 §2.1.3 inclusion path') },
    },
  },
  ConsistencyProof: {
    type: 'object',
    required: ['from', 'to', 'root1', 'root2', 'path'],
    additionalProperties: false,
    properties: {
      from: size('older size'),
      to: size('newer size'),
      root1: hex(32, 'root at from'),
      root2: hex(32, 'root at to'),
      path: { type: 'array', items: hex(32, 'RFC 9162 §2.1.4 consistency path') },
    },
  },
  LogEntriesPage: {
    type: 'object',
    required: ['items', 'next'],
    additionalProperties: false,
    properties: {
      items: {
        type: 'array',
        items: {
          type: 'object',
          required: ['index', 'entryId', 'entry', 'iss', 'sub', 'contentType', 'kid', 'registeredAt'],
          additionalProperties: false,
          properties: {
            index: size('log index'),
            entryId: ref('EntryId'),
            entry: b64url('the entry bytes'),
            iss: { type: 'string' },
            sub: { type: 'string' },
            contentType: { type: 'string' },
            kid: { type: 'string' },
            registeredAt: time,
          },
        },
      },
      next: { oneOf: [size('the start of the next page'), { type: 'null' }] },
    },
  },
  OpenApi: { type: 'object', required: ['openapi', 'info', 'paths'], properties: { openapi: { const: '3.1.0' } } },
} as const;
