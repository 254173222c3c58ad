/**
 * libs/oci — OCI registry client (distribution-spec 1.1), authentication, referrers (API with
 * tag-schema fallback), the SCITT receipt artifact, OCI image layouts, and copy with referrers.
 * Adapter library: Node I/O, no Nest, never imports the service.
 */
export { OciError, RegistryError, parseErrorBody, type OciErrorCode, type RegistryErrorCode, type RegistryErrorEntry } from './oci.errors.js';
export * from './media-types.js';
export { sha256Digest, parseDigest, isDigest, verifyDigest, referrersTag } from './digest.js';
export { canonicalDescriptor, indexManifests, parseJsonObject, type Descriptor } from './descriptor.js';
export {
  parseReference,
  parseCollectionReference,
  isCollectionSubject,
  formatReference,
  isRegistryHost,
  isRepositoryName,
  type OciReference,
  type CollectionReference,
} from './reference.parser.js';
export {
  buildReceiptArtifact,
  buildStatusArtifact,
  type StatusArtifactInput,
  receiptAnnotations,
  type ReceiptArtifactInput,
  type ReceiptAnnotationInput,
  type ReferrerArtifact,
  type ArtifactBlob,
} from './artifact.builder.js';
export {
  dockerConfigCredentials,
  dockerConfigPath,
  credentialsFromDockerConfig,
  staticCredentials,
  normalizeRegistryHost,
  type Credentials,
  type CredentialSource,
} from './docker-config.credentials.js';
export { parseWwwAuthenticate, isLoopbackHost, type AuthChallenge } from './auth.challenge.js';
export { RegistryClient, type RegistryClientOptions, type ReferrersApiResult } from './registry.client.js';
export {
  RegistryReferrerTarget,
  type IndexUpdateOptions,
  type RegistryReferrerTargetOptions,
  type RegistrySettings,
} from './referrers.registry.js';
export { mergeReferrersIndex, referrersFromIndex, referrerDescriptor, type MergedIndex } from './referrers-index.js';
export type { ReferrerTarget, RepositoryRef, ReferrersMode, ListReferrersOptions, PushedReferrer } from './referrer.target.js';
export { OciLayoutStore, OciLayoutReferrerTarget } from './layout.store.js';
export { copyWithReferrers, type CopySource, type CopyDestination, type CopyResult } from './copy.referrers.js';
export {
  buildCollectionArtifact,
  pushCollection,
  tarDirectory,
  mediaTypeOfFile,
  ARTIFACT_TYPE_COLLECTION,
  MEDIA_TYPE_LAYER_TAR,
  ANNOTATION_ORAS_UNPACK,
  type CollectionArtifact,
} from './collection.artifact.js';
