/**
 * Copy a collection with its referrers between registries (what `oras cp -r` does): the
 * manifest with its blobs (and child manifests of an index), then every referrer, recursively,
 * re-recording each in the destination's tag-schema index when the destination has no
 * referrers API. Content is verified by digest on the way (client GETs verify).
 */
import { parseJsonObject, type Descriptor } from './descriptor.js';
import { isIndexMediaType } from './media-types.js';
import { OciError } from './oci.errors.js';
import { referrerDescriptor } from './referrers-index.js';
import type { ReferrersMode } from './referrer.target.js';
import { RegistryReferrerTarget } from './referrers.registry.js';
import type { RegistryClient } from './registry.client.js';

export interface CopySource {
  client: RegistryClient;
  repo: string;
  digest: string;
  /** How to find the source's referrers (default `auto`: detected). */
  referrersMode?: ReferrersMode;
}

export interface CopyDestination {
  client: RegistryClient;
  repo: string;
  /** Also tag the copied top manifest. */
  tag?: string;
  /** How to list the copies at the destination (default `auto`: detected). */
  referrersMode?: ReferrersMode;
}

/** The source and destination with their referrer targets (one per copy: detection starts fresh). */
interface Ends {
  src: CopySource;
  dst: CopyDestination;
  from: RegistryReferrerTarget;
  to: RegistryReferrerTarget;
}

export interface CopyResult {
  /** The copied top manifest. */
  descriptor: Descriptor;
  /** Digests of every manifest copied (top, children, referrers), in copy order. */
  manifests: string[];
  /** Referrer digests copied (any depth). */
  referrers: string[];
  /** Blobs uploaded or mounted (not those already present). */
  blobsCopied: number;
}

/** Referrer nesting depth limit (a referrer of a referrer of …). */
const MAX_DEPTH = 16;

/**
 * Copies `src` (a manifest by digest) and all its referrers, recursively, to `dst`.
 * Blobs already at the destination are skipped; on the same registry they are mounted.
 * @example
 *   await copyWithReferrers({ client: a, repo: 'team/app', digest }, { client: b, repo: 'mirror/app' });
 */
export async function copyWithReferrers(src: CopySource, dst: CopyDestination): Promise<CopyResult> {
  const result: CopyResult = { descriptor: undefined as unknown as Descriptor, manifests: [], referrers: [], blobsCopied: 0 };
  const done = new Set<string>();
  result.descriptor = await copyManifest(src, dst, src.digest, result, done);
  if (dst.tag) await dst.client.putManifest(dst.repo, dst.tag, (await src.client.getManifest(src.repo, src.digest)).bytes, result.descriptor.mediaType);
  const ends: Ends = {
    src,
    dst,
    from: RegistryReferrerTarget.forClient(src.client, src.referrersMode ? { referrersMode: src.referrersMode } : {}),
    to: RegistryReferrerTarget.forClient(dst.client, dst.referrersMode ? { referrersMode: dst.referrersMode } : {}),
  };
  await copyReferrers(ends, src.digest, result, done, 0);
  return result;
}

async function copyReferrers(ends: Ends, subject: string, result: CopyResult, done: Set<string>, depth: number): Promise<void> {
  if (depth >= MAX_DEPTH) throw new OciError('ERR_OCI_MANIFEST_INVALID', `couldn't copy referrers of ${subject}: nested deeper than ${MAX_DEPTH}`);
  const { src, dst } = ends;
  const referrers = await ends.from.listReferrers({ registry: src.client.registry, repository: src.repo }, subject);
  for (const r of referrers) {
    if (done.has(r.digest)) continue;
    const copied = await copyManifest(src, dst, r.digest, result, done);
    result.referrers.push(r.digest);
    // Listing descriptor: from the manifest itself (artifactType, annotations), as the API would.
    const bytes = (await src.client.getManifest(src.repo, r.digest)).bytes;
    const listed = referrerDescriptor(bytes, r.digest, copied.mediaType);
    if (listed && listed.subject === subject) {
      await ends.to.recordReferrer({ registry: dst.client.registry, repository: dst.repo }, subject, listed.descriptor, copied.ociSubject);
    }
    await copyReferrers(ends, r.digest, result, done, depth + 1);
  }
}

async function copyManifest(
  src: CopySource,
  dst: CopyDestination,
  digest: string,
  result: CopyResult,
  done: Set<string>,
): Promise<Descriptor & { ociSubject?: string }> {
  const { descriptor, bytes } = await src.client.getManifest(src.repo, digest);
  if (done.has(digest)) return descriptor;
  done.add(digest);
  const m = parseJsonObject(bytes, `manifest ${digest}`);
  const sameRegistry = src.client.registry === dst.client.registry && src.client.baseUrl === dst.client.baseUrl;
  if (isIndexMediaType(descriptor.mediaType) || Array.isArray(m.manifests)) {
    for (const child of (m.manifests ?? []) as Descriptor[]) {
      await copyManifest(src, dst, child.digest, result, done);
    }
  } else {
    const blobs: Descriptor[] = [];
    if (m.config && typeof m.config === 'object') blobs.push(m.config as Descriptor);
    if (Array.isArray(m.layers)) blobs.push(...(m.layers as Descriptor[]));
    for (const b of blobs) {
      if ((b.urls?.length ?? 0) > 0 && !(await src.client.blobExists(src.repo, b.digest))) continue; // foreign layer
      if (await dst.client.blobExists(dst.repo, b.digest)) continue;
      // Same registry: mount (the bytes are fetched only if the registry answers 202 instead).
      await dst.client.pushBlob(dst.repo, () => src.client.getBlob(src.repo, b.digest), {
        digest: b.digest,
        ...(sameRegistry ? { mountFrom: src.repo } : {}),
      });
      result.blobsCopied++;
    }
  }
  const put = await dst.client.putManifest(dst.repo, digest, bytes, descriptor.mediaType);
  result.manifests.push(digest);
  return { ...descriptor, ...(put.ociSubject ? { ociSubject: put.ociSubject } : {}) };
}
