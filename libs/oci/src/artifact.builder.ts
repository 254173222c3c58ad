/**
 * The receipt artifact of docs/oci.md: one OCI image manifest per claim, pushed by digest
 * into the collection's repository as a referrer of it. Pure and deterministic: the same inputs
 * give the same bytes and digest (no clock, fixed key order, sorted annotations), so a retried
 * publication converges on one manifest.
 */
import { canonicalDescriptor, jsonBytes, sortedAnnotations, type Descriptor } from './descriptor.js';
import { sha256Digest } from './digest.js';
import {
  ANNOTATION_TREE_SIZE,
  ARTIFACT_TYPE_SCITT_STATUS,
  ANNOTATION_CONTENT_TYPE,
  ANNOTATION_CREATED,
  ANNOTATION_ENTRY_ID,
  ANNOTATION_ISSUER,
  ANNOTATION_LOG_INDEX,
  ANNOTATION_SERVICE,
  ANNOTATION_TITLE,
  EMPTY_JSON_BYTES,
  EMPTY_JSON_DIGEST,
  MEDIA_TYPE_OCI_EMPTY,
  MEDIA_TYPE_OCI_MANIFEST,
  MEDIA_TYPE_SCITT_RECEIPT,
  MEDIA_TYPE_SCITT_STATEMENT,
} from './media-types.js';
import { OciError } from './oci.errors.js';

/** A blob to push with its descriptor. */
export interface ArtifactBlob {
  descriptor: Descriptor;
  bytes: Uint8Array;
}

/** A built referrer artifact: manifest bytes, digest, the blobs it references, its subject. */
export interface ReferrerArtifact {
  /** Descriptor of the manifest itself (mediaType, artifactType, digest, size, annotations). */
  descriptor: Descriptor;
  manifest: Uint8Array;
  digest: string;
  /** Config first, then layers; push all before the manifest. */
  blobs: ArtifactBlob[];
  /** The subject's descriptor (the collection manifest). */
  subject: Descriptor;
}

export interface ReceiptArtifactInput {
  /** The collection manifest descriptor (media type and size from a HEAD on the registry). */
  subject: Descriptor;
  /** Statement with the receipt in unprotected header 394: verifiable offline on its own. */
  transparentStatement: Uint8Array;
  /** The RFC 9942 receipt. */
  receipt: Uint8Array;
  /** Must include `org.opencontainers.image.created` (the registration time, RFC 3339). */
  annotations: Record<string, string>;
  /** Defaults to `application/scitt-receipt+cose`; revocations use their own type. */
  artifactType?: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/**
 * Builds the receipt artifact manifest: `artifactType` (default `application/scitt-receipt+cose`),
 * the empty config, layers [transparent statement, receipt], `subject`, annotations.
 * Throws `ERR_OCI_ARTIFACT_INVALID` on missing/ill-formed inputs.
 * @example
 *   const a = buildReceiptArtifact({
 *     subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size },
 *     transparentStatement, receipt,
 *     annotations: receiptAnnotations({ created: '2026-01-02T03:04:05Z', service: 'https://ts.example', issuer, entryId }),
 *   });
 *   await client.pushReferrer('team/app', a);
 */
export function buildReceiptArtifact(input: ReceiptArtifactInput): ReferrerArtifact {
  const artifactType = input.artifactType ?? MEDIA_TYPE_SCITT_RECEIPT;
  if (!MEDIA_TYPE.test(artifactType)) throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't build artifact: bad artifactType ${JSON.stringify(artifactType)}`);
  if (!(input.transparentStatement instanceof Uint8Array) || input.transparentStatement.length === 0) {
    throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't build artifact: empty transparent statement`);
  }
  if (!(input.receipt instanceof Uint8Array) || input.receipt.length === 0) {
    throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't build artifact: empty receipt`);
  }
  const created = input.annotations?.[ANNOTATION_CREATED];
  if (typeof created !== 'string' || !RFC3339.test(created)) {
    throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't build artifact: annotation ${ANNOTATION_CREATED} must be the registration time in RFC 3339`);
  }
  let subject: Descriptor;
  try {
    const s = canonicalDescriptor(input.subject);
    subject = { mediaType: s.mediaType, digest: s.digest, size: s.size };
  } catch (cause) {
    throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't build artifact: bad subject descriptor`, { cause });
  }
  const annotations = sortedAnnotations(input.annotations);
  const config: ArtifactBlob = { descriptor: { mediaType: MEDIA_TYPE_OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 }, bytes: EMPTY_JSON_BYTES };
  const statement: ArtifactBlob = {
    descriptor: {
      mediaType: MEDIA_TYPE_SCITT_STATEMENT,
      digest: sha256Digest(input.transparentStatement),
      size: input.transparentStatement.length,
      annotations: { [ANNOTATION_TITLE]: 'statement.cose' },
    },
    bytes: input.transparentStatement,
  };
  const receipt: ArtifactBlob = {
    descriptor: {
      mediaType: MEDIA_TYPE_SCITT_RECEIPT,
      digest: sha256Digest(input.receipt),
      size: input.receipt.length,
      annotations: { [ANNOTATION_TITLE]: 'receipt.cose' },
    },
    bytes: input.receipt,
  };
  // Key order is part of the digest: keep it fixed.
  const manifest = jsonBytes({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    artifactType,
    config: config.descriptor,
    layers: [statement.descriptor, receipt.descriptor],
    subject,
    annotations,
  });
  const digest = sha256Digest(manifest);
  return {
    descriptor: { mediaType: MEDIA_TYPE_OCI_MANIFEST, artifactType, digest, size: manifest.length, annotations },
    manifest,
    digest,
    blobs: [config, statement, receipt],
    subject,
  };
}

/** Inputs of {@link receiptAnnotations}. */
export interface ReceiptAnnotationInput {
  /** Registration time: a Date or an RFC 3339 string. Dates render as `YYYY-MM-DDTHH:MM:SSZ` (seconds). */
  created: Date | string;
  /** The transparency service's identifier (URL or log id). */
  service?: string;
  /** The statement's CWT `iss`. */
  issuer?: string;
  /** Entry ID: lowercase hex SHA-256 of the entry. */
  entryId?: string;
  /** The statement's payload content type (COSE header 3 or 259). */
  contentType?: string;
  /** The entry's index in the log. */
  logIndex?: number;
}

/**
 * The standard annotation map for a receipt artifact (keys documented in docs/oci.md).
 * @example receiptAnnotations({ created: new Date(0), entryId: 'ab…', logIndex: 7 })
 */
export function receiptAnnotations(a: ReceiptAnnotationInput): Record<string, string> {
  const created = typeof a.created === 'string' ? a.created : a.created.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const out: Record<string, string> = { [ANNOTATION_CREATED]: created };
  if (a.service !== undefined) out[ANNOTATION_SERVICE] = a.service;
  if (a.issuer !== undefined) out[ANNOTATION_ISSUER] = a.issuer;
  if (a.entryId !== undefined) out[ANNOTATION_ENTRY_ID] = a.entryId;
  if (a.contentType !== undefined) out[ANNOTATION_CONTENT_TYPE] = a.contentType;
  if (a.logIndex !== undefined) {
    if (!Number.isSafeInteger(a.logIndex) || a.logIndex < 0) {
      throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't build annotations: log index ${a.logIndex} is not a non-negative safe integer`);
    }
    out[ANNOTATION_LOG_INDEX] = String(a.logIndex);
  }
  return sortedAnnotations(out);
}

/** Inputs of {@link buildStatusArtifact}. */
export interface StatusArtifactInput {
  /** The collection manifest descriptor. */
  subject: Descriptor;
  /** The status statement (COSE_Sign1) as the ledger signed it. */
  status: Uint8Array;
  /** `created` (the statement's signing time), `service`, tree size. */
  created: string;
  service: string;
  treeSize: number;
}

/**
 * Builds the referrer artifact of a status statement: artifactType and single layer
 * `application/vnd.scitt-ledger.status+cose`, empty config, `subject`, annotations (created,
 * service, tree size). Deterministic like {@link buildReceiptArtifact}.
 */
export function buildStatusArtifact(input: StatusArtifactInput): ReferrerArtifact {
  if (!(input.status instanceof Uint8Array) || input.status.length === 0) throw new OciError('ERR_OCI_ARTIFACT_INVALID', "couldn't build artifact: empty status statement");
  if (!RFC3339.test(input.created)) throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't build artifact: created must be RFC 3339`);
  if (!Number.isSafeInteger(input.treeSize) || input.treeSize < 1) throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't build artifact: bad tree size ${input.treeSize}`);
  const s = canonicalDescriptor(input.subject);
  const subject: Descriptor = { mediaType: s.mediaType, digest: s.digest, size: s.size };
  const annotations = sortedAnnotations({ [ANNOTATION_CREATED]: input.created, [ANNOTATION_SERVICE]: input.service, [ANNOTATION_TREE_SIZE]: String(input.treeSize) });
  const config: ArtifactBlob = { descriptor: { mediaType: MEDIA_TYPE_OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 }, bytes: EMPTY_JSON_BYTES };
  const layer: ArtifactBlob = {
    descriptor: { mediaType: ARTIFACT_TYPE_SCITT_STATUS, digest: sha256Digest(input.status), size: input.status.length, annotations: { [ANNOTATION_TITLE]: 'status.cose' } },
    bytes: input.status,
  };
  const manifest = jsonBytes({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    artifactType: ARTIFACT_TYPE_SCITT_STATUS,
    config: config.descriptor,
    layers: [layer.descriptor],
    subject,
    annotations,
  });
  const digest = sha256Digest(manifest);
  return {
    descriptor: { mediaType: MEDIA_TYPE_OCI_MANIFEST, artifactType: ARTIFACT_TYPE_SCITT_STATUS, digest, size: manifest.length, annotations },
    manifest,
    digest,
    blobs: [config, layer],
    subject,
  };
}
