/** Media types, artifact types and annotation keys used by libs/oci (see docs/oci.md). */

export const MEDIA_TYPE_OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_TYPE_OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MEDIA_TYPE_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const MEDIA_TYPE_DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const MEDIA_TYPE_OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const MEDIA_TYPE_OCI_LAYOUT_HEADER = 'application/vnd.oci.layout.header.v1+json';

/** Layer: the transparent statement (statement + receipt in header 394), verifiable on its own. */
export const MEDIA_TYPE_SCITT_STATEMENT = 'application/scitt-statement+cose';
/** Layer and artifact type: the RFC 9942 receipt. */
export const MEDIA_TYPE_SCITT_RECEIPT = 'application/scitt-receipt+cose';
/** Artifact type of a published revocation (its statement + receipt layers as for a claim). */
export const ARTIFACT_TYPE_SCITT_REVOCATION = 'application/vnd.scitt-ledger.revocation+cose';

/** The empty JSON blob `{}` and its descriptor fields (image-spec 1.1 "empty descriptor"). */
export const EMPTY_JSON_BYTES: Uint8Array = new Uint8Array([0x7b, 0x7d]);
export const EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

/** Every manifest type this client reads, for `Accept` (distribution 2.8 hides an OCI index otherwise). */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPE_OCI_MANIFEST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
].join(', ');

export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
export const ANNOTATION_TITLE = 'org.opencontainers.image.title';
export const ANNOTATION_SERVICE = 'dev.scitt-ledger.service';
export const ANNOTATION_ISSUER = 'dev.scitt-ledger.issuer';
export const ANNOTATION_ENTRY_ID = 'dev.scitt-ledger.entry-id';
export const ANNOTATION_CONTENT_TYPE = 'dev.scitt-ledger.content-type';
export const ANNOTATION_LOG_INDEX = 'dev.scitt-ledger.log-index';

/** True for the two index (multi-manifest) media types. */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPE_OCI_INDEX || mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST;
}

/** Artifact type and layer media type of a ledger's signed status statement (docs/receipts.md#status-statements). */
export const ARTIFACT_TYPE_SCITT_STATUS = 'application/vnd.scitt-ledger.status+cose';
/** Annotation: the tree size a status statement speaks for. */
export const ANNOTATION_TREE_SIZE = 'dev.scitt-ledger.tree-size';
