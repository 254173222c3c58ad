import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  EMPTY_JSON_DIGEST,
  buildReceiptArtifact,
  receiptAnnotations,
  sha256Digest,
  ARTIFACT_TYPE_SCITT_REVOCATION,
} from './index.js';

const hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${hex('collection')}`, size: 1234 };
const statement = new Uint8Array([0xd2, 0x84, 1, 2, 3]);
const receipt = new Uint8Array([0xd2, 0x84, 4, 5]);
const annotations = {
  'dev.scitt-ledger.issuer': 'https://issuer.example',
  'org.opencontainers.image.created': '2026-01-02T03:04:05Z',
  'dev.scitt-ledger.entry-id': hex('entry'),
};

describe('buildReceiptArtifact (docs/oci.md)', () => {
  it('builds exactly the documented manifest, byte for byte', () => {
    const a = buildReceiptArtifact({ subject, transparentStatement: statement, receipt, annotations });
    // Written out by hand from the contract: field order, empty config, two layers, subject, sorted annotations.
    const expected =
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/scitt-receipt+cose",' +
      '"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},' +
      `"layers":[{"mediaType":"application/scitt-statement+cose","digest":"sha256:${hex(statement)}","size":5,"annotations":{"org.opencontainers.image.title":"statement.cose"}},` +
      `{"mediaType":"application/scitt-receipt+cose","digest":"sha256:${hex(receipt)}","size":4,"annotations":{"org.opencontainers.image.title":"receipt.cose"}}],` +
      `"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${subject.digest}","size":1234},` +
      `"annotations":{"dev.scitt-ledger.entry-id":"${hex('entry')}","dev.scitt-ledger.issuer":"https://issuer.example","org.opencontainers.image.created":"2026-01-02T03:04:05Z"}}`;
    assert.equal(new TextDecoder().decode(a.manifest), expected);
    assert.equal(a.digest, `sha256:${hex(expected)}`);
    assert.deepEqual(a.descriptor, {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/scitt-receipt+cose',
      digest: a.digest,
      size: expected.length,
      annotations: JSON.parse(expected).annotations,
    });
    assert.deepEqual(a.blobs.map((b) => b.descriptor.digest), [EMPTY_JSON_DIGEST, sha256Digest(statement), sha256Digest(receipt)]);
    assert.deepEqual(a.blobs[0]!.bytes, new TextEncoder().encode('{}'));
    assert.equal(EMPTY_JSON_DIGEST, `sha256:${hex('{}')}`);
    for (const b of a.blobs) assert.equal(b.descriptor.size, b.bytes.length);
  });

  it('is deterministic: same inputs (annotations in any order) ⇒ same digest', () => {
    const a = buildReceiptArtifact({ subject, transparentStatement: statement, receipt, annotations });
    const reordered = Object.fromEntries(Object.entries(annotations).reverse());
    const extraSubjectFields = { ...subject, annotations: { x: 'y' }, platform: { os: 'linux' } };
    const b = buildReceiptArtifact({ subject: extraSubjectFields, transparentStatement: statement.slice(), receipt: receipt.slice(), annotations: reordered });
    assert.equal(b.digest, a.digest);
    assert.notEqual(buildReceiptArtifact({ subject, transparentStatement: statement, receipt: new Uint8Array([9]), annotations }).digest, a.digest);
  });

  it('takes the artifact type as a parameter (revocations)', () => {
    const a = buildReceiptArtifact({ subject, transparentStatement: statement, receipt, annotations, artifactType: ARTIFACT_TYPE_SCITT_REVOCATION });
    assert.equal(JSON.parse(new TextDecoder().decode(a.manifest)).artifactType, ARTIFACT_TYPE_SCITT_REVOCATION);
    assert.equal(a.descriptor.artifactType, ARTIFACT_TYPE_SCITT_REVOCATION);
  });

  const bad: [string, object][] = [
    ['no created annotation', { annotations: { 'dev.scitt-ledger.issuer': 'x' } }],
    ['created not RFC 3339', { annotations: { 'org.opencontainers.image.created': 'yesterday' } }],
    ['empty statement', { transparentStatement: new Uint8Array() }],
    ['empty receipt', { receipt: new Uint8Array() }],
    ['bad subject digest', { subject: { ...subject, digest: 'sha256:nothex' } }],
    ['negative subject size', { subject: { ...subject, size: -1 } }],
    ['unsafe subject size', { subject: { ...subject, size: 2 ** 53 } }],
    ['bad artifact type', { artifactType: 'not a media type' }],
    ['non-string annotation', { annotations: { 'org.opencontainers.image.created': '2026-01-02T03:04:05Z', n: 1 } }],
  ];
  for (const [name, override] of bad) {
    it(`rejects: ${name}`, () => {
      assert.throws(() => buildReceiptArtifact({ subject, transparentStatement: statement, receipt, annotations, ...override } as never), { code: 'ERR_OCI_ARTIFACT_INVALID' });
    });
  }
});

describe('receiptAnnotations', () => {
  it('maps fields to the documented keys, sorted, created at second precision', () => {
    const a = receiptAnnotations({
      created: new Date('2026-01-02T03:04:05.678Z'),
      service: 'https://ts.example',
      issuer: 'did:web:issuer.example',
      entryId: 'ab'.repeat(32),
      contentType: 'application/spdx+json',
      logIndex: 42,
    });
    assert.deepEqual(Object.entries(a), [
      ['dev.scitt-ledger.content-type', 'application/spdx+json'],
      ['dev.scitt-ledger.entry-id', 'ab'.repeat(32)],
      ['dev.scitt-ledger.issuer', 'did:web:issuer.example'],
      ['dev.scitt-ledger.log-index', '42'],
      ['dev.scitt-ledger.service', 'https://ts.example'],
      ['org.opencontainers.image.created', '2026-01-02T03:04:05Z'],
    ]);
    assert.throws(() => receiptAnnotations({ created: '2026-01-02T03:04:05Z', logIndex: 1.5 }), { code: 'ERR_OCI_ARTIFACT_INVALID' });
  });
});
