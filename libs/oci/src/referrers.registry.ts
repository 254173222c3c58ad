/**
 * Referrers on a registry: list and push, with the referrers API detected per repository at run
 * time and the OCI 1.1 tag-schema index (`sha256-<hex>`) as fallback (see docs/oci.md).
 *
 * Detection (mode `auto`), cached in `client.referrersSupport` per repository:
 * - `GET /v2/<name>/referrers/<digest>` → 200 with the OCI index media type ⇒ API;
 * - a 404 whose error code is not NAME_UNKNOWN/MANIFEST_UNKNOWN (distribution 2.8 sends a
 *   plain-text 404), 400 or 405 ⇒ no API: use the tag schema;
 * - an `OCI-Subject` header on a manifest PUT ⇒ API.
 */
import type { ReferrerArtifact } from './artifact.builder.js';
import type { Descriptor } from './descriptor.js';
import { referrersTag } from './digest.js';
import { KeyedMutex } from './keyed.mutex.js';
import { MEDIA_TYPE_OCI_INDEX } from './media-types.js';
import { OciError, RegistryError } from './oci.errors.js';
import { mergeReferrersIndex, referrersFromIndex } from './referrers-index.js';
import type { RegistryClient } from './registry.client.js';

/** `auto`: detect per repository; `api`: referrers API only; `tag`: tag-schema index only. */
export type ReferrersMode = 'api' | 'tag' | 'auto';

export interface ListReferrersOptions {
  artifactType?: string;
}

/** What {@link pushReferrer} did. */
export interface PushedReferrer {
  digest: string;
  descriptor: Descriptor;
  /** `api`: the registry indexes referrers itself; `tag`: we updated the tag-schema index. */
  via: 'api' | 'tag';
  /** Digest of the tag-schema index that lists the referrer (when `via` is `tag`). */
  indexDigest?: string;
}

/** Tuning of the tag-schema index update loop. */
export interface IndexUpdateOptions {
  /** Write attempts before giving up with `ERR_OCI_INDEX_CONFLICT` (default 8). */
  maxAttempts?: number;
  /** Base backoff between attempts in ms, doubled each time (default 25). */
  backoffMs?: number;
}

/** One writer per (registry, repository, subject) in this process. */
const indexWriters = new KeyedMutex();

/**
 * Lists the referrers of `subject` in `repository` (API or tag schema per the client's mode).
 * @example await client.listReferrers('team/app', 'sha256:…', { artifactType: 'application/scitt-receipt+cose' })
 */
export async function listReferrers(client: RegistryClient, repository: string, subject: string, options: ListReferrersOptions = {}): Promise<Descriptor[]> {
  if ((await supportsReferrersApi(client, repository, subject)) === 'api') {
    const r = await client.referrersApi(repository, subject, options.artifactType);
    if (r.status === 'supported') return r.manifests;
    if (r.status === 'unknown') return [];
    if (client.referrersMode === 'api') {
      throw new RegistryError('ERR_OCI_NOT_FOUND', `couldn't list referrers of ${repository}@${subject}: the referrers API answered HTTP ${r.httpStatus}`, { status: r.httpStatus });
    }
    client.referrersSupport.set(repository, 'tag');
  }
  const index = await readTagIndex(client, repository, subject);
  return index ? referrersFromIndex(index, options.artifactType) : [];
}

/**
 * Whether to use the API (`api`) or the tag schema (`tag`) for `repository`: the mode override,
 * else the cached answer, else a probe of the referrers API (cached unless inconclusive).
 */
export async function supportsReferrersApi(client: RegistryClient, repository: string, subject: string): Promise<'api' | 'tag'> {
  if (client.referrersMode !== 'auto') return client.referrersMode;
  const known = client.referrersSupport.get(repository);
  if (known) return known;
  const r = await client.referrersApi(repository, subject);
  if (r.status === 'unknown') return 'api'; // inconclusive: the caller treats it as "nothing yet"
  const v = r.status === 'supported' ? 'api' : 'tag';
  client.referrersSupport.set(repository, v);
  return v;
}

/**
 * Pushes a referrer artifact: its blobs, then its manifest by digest (never tagged); then, when the
 * repository has no referrers API, adds it to the tag-schema index (see {@link addToReferrersIndex}).
 * Idempotent: pushing the same artifact again changes nothing.
 */
export async function pushReferrer(client: RegistryClient, repository: string, artifact: ReferrerArtifact, options: IndexUpdateOptions = {}): Promise<PushedReferrer> {
  for (const b of artifact.blobs) await client.pushBlob(repository, b.bytes, { digest: b.descriptor.digest });
  const put = await client.putManifest(repository, artifact.digest, artifact.manifest, artifact.descriptor.mediaType);
  return recordReferrer(client, repository, artifact.subject.digest, artifact.descriptor, put.ociSubject, options);
}

/**
 * After a referrer manifest is in the repository: learn from `ociSubject` (the PUT's `OCI-Subject`
 * header), and update the tag-schema index unless the registry has the API.
 */
export async function recordReferrer(
  client: RegistryClient,
  repository: string,
  subject: string,
  descriptor: Descriptor,
  ociSubject: string | undefined,
  options: IndexUpdateOptions = {},
): Promise<PushedReferrer> {
  if (client.referrersMode === 'api') return { digest: descriptor.digest, descriptor, via: 'api' };
  if (client.referrersMode === 'auto') {
    if (ociSubject !== undefined) client.referrersSupport.set(repository, 'api');
    if ((await supportsReferrersApi(client, repository, subject)) === 'api') {
      // A probe can be inconclusive (unknown repository): only trust a cached answer.
      if (client.referrersSupport.get(repository) === 'api') return { digest: descriptor.digest, descriptor, via: 'api' };
    }
  }
  const indexDigest = await addToReferrersIndex(client, repository, subject, [descriptor], options);
  return { digest: descriptor.digest, descriptor, via: 'tag', indexDigest };
}

/**
 * Adds descriptors to the tag-schema index of `subject`, one writer per (registry, repository,
 * subject) in this process: read the index (absent ⇒ empty), merge (keep every existing entry,
 * other tools' too; de-duplicate by digest; append ours), write it under the tag, read it back,
 * and retry with backoff when ours is missing (another process overwrote it). Returns the index
 * digest. Throws `ERR_OCI_INDEX_CONFLICT` after `maxAttempts`.
 */
export async function addToReferrersIndex(
  client: RegistryClient,
  repository: string,
  subject: string,
  add: readonly Descriptor[],
  options: IndexUpdateOptions = {},
): Promise<string> {
  const tag = referrersTag(subject);
  const maxAttempts = options.maxAttempts ?? 8;
  const backoffMs = options.backoffMs ?? 25;
  return indexWriters.run(`${client.registry}\n${repository}\n${subject}`, async () => {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const current = await getTagIndex(client, repository, tag);
      const merged = mergeReferrersIndex(current?.bytes, add);
      if (current && !merged.changed) return current.digest; // already listed: nothing to write
      const written = (await client.putManifest(repository, tag, merged.bytes, MEDIA_TYPE_OCI_INDEX)).digest;
      // Re-read: another writer (another process) may have replaced the tag since we read it.
      const after = await getTagIndex(client, repository, tag);
      if (after) {
        const listed = new Set(referrersFromIndex(after.bytes).map((d) => d.digest));
        if (add.every((d) => listed.has(d.digest))) return after.digest === written ? written : after.digest;
      }
      await new Promise((r) => setTimeout(r, backoffMs * 2 ** attempt * (0.5 + Math.random())));
    }
    throw new OciError('ERR_OCI_INDEX_CONFLICT', `couldn't update referrers index ${repository}:${tag}: our entry was overwritten ${maxAttempts} times`);
  });
}

/** The tag-schema index bytes of `subject`, or undefined when the tag does not exist. */
export async function readTagIndex(client: RegistryClient, repository: string, subject: string): Promise<Uint8Array | undefined> {
  return (await getTagIndex(client, repository, referrersTag(subject)))?.bytes;
}

async function getTagIndex(client: RegistryClient, repository: string, tag: string): Promise<{ bytes: Uint8Array; digest: string } | undefined> {
  try {
    const { bytes, descriptor } = await client.getManifest(repository, tag);
    return { bytes, digest: descriptor.digest };
  } catch (e) {
    if (e instanceof RegistryError && e.status === 404) return undefined;
    throw e;
  }
}
