/**
 * Schemas of the claim-contents answers (docs/api.md#components): `GET /components` and the content
 * fields `GET /claims` adds with predicateType, builder or vulnerability.
 */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const digestOrNull = { oneOf: [{ type: 'string', pattern: '^sha256:[0-9a-f]{64}$' }, { type: 'null' }] };
const stringOrNull = { oneOf: [{ type: 'string' }, { type: 'null' }] };

export const CONTENT_SCHEMAS = {
  ComponentsPage: {
    type: 'object',
    required: ['query', 'treeSize', 'items', 'next'],
    additionalProperties: false,
    properties: {
      query: {
        type: 'object', required: ['purl', 'match'], additionalProperties: false,
        properties: { purl: { type: 'string', description: 'the purl asked for, in canonical form' }, match: { enum: ['exact', 'version', 'all-versions'] } },
      },
      treeSize: { type: 'integer', minimum: 0, description: 'the answer reflects entries below this tree size, supersession and revocation as of it' },
      items: {
        type: 'array',
        items: {
          type: 'object',
          required: ['index', 'entryId', 'issuer', 'subject', 'subjectDigest', 'references', 'kind', 'contentType', 'purls'],
          additionalProperties: false,
          properties: {
            index: { type: 'integer', minimum: 0, description: 'log index of the SBOM claim' },
            entryId: ref('EntryId'),
            issuer: { type: 'string' },
            subject: { type: 'string', description: 'the collection digest, or the normalised subject when it names none' },
            subjectDigest: digestOrNull,
            references: { type: 'array', items: { type: 'string' }, description: 'references the collection was claimed under' },
            kind: { type: 'string' },
            contentType: { type: 'string' },
            purls: { type: 'array', items: { type: 'string' }, description: 'the matching purls the SBOM lists' },
          },
        },
      },
      next: { oneOf: [{ type: 'string', pattern: '^[A-Za-z0-9_-]+$' }, { type: 'null' }] },
    },
  },
  ClaimContent: {
    type: 'object',
    required: ['kind', 'predicateType', 'builderId', 'buildType'],
    additionalProperties: false,
    properties: {
      kind: { enum: ['cyclonedx', 'cyclonedx-vex', 'spdx', 'intoto', 'openvex', 'opaque'] },
      predicateType: stringOrNull,
      builderId: stringOrNull,
      buildType: stringOrNull,
    },
  },
  VexStatement: {
    type: 'object',
    required: ['product', 'subcomponents', 'status', 'justification'],
    additionalProperties: false,
    properties: {
      product: { type: 'object', required: ['id', 'purl', 'digest'], additionalProperties: false, properties: { id: { type: 'string' }, purl: stringOrNull, digest: digestOrNull } },
      subcomponents: { type: 'array', items: { type: 'string' } },
      status: { enum: ['not_affected', 'affected', 'fixed', 'under_investigation'] },
      justification: stringOrNull,
    },
  },
};
