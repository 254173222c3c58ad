/** Small deterministic inputs for libs/oci tests: fake-but-well-formed COSE bytes and artifacts. */
import { createHash } from 'node:crypto';
import { buildReceiptArtifact, receiptAnnotations, type Descriptor, type ReferrerArtifact } from '../../libs/oci/src/index.js';

/** Bytes standing in for a COSE_Sign1 (tag 18 prefix + a label), distinct per label. */
export function coseLike(label: string): Uint8Array {
  const body = createHash('sha256').update(label).digest();
  return new Uint8Array([0xd2, 0x84, 0x58, 0x20, ...body]);
}

/** A receipt artifact for `subject`, number `n` (distinct digests per n). */
export function sampleArtifact(subject: Descriptor, n: number, artifactType?: string): ReferrerArtifact {
  return buildReceiptArtifact({
    subject,
    transparentStatement: coseLike(`statement-${n}`),
    receipt: coseLike(`receipt-${n}`),
    annotations: receiptAnnotations({
      created: new Date(Date.UTC(2026, 0, 2, 3, 4, 5) + n * 1000),
      service: 'https://ts.example',
      issuer: 'https://issuer.example',
      entryId: createHash('sha256').update(`entry-${n}`).digest('hex'),
      contentType: 'application/spdx+json',
      logIndex: n,
    }),
    ...(artifactType ? { artifactType } : {}),
  });
}
