/**
 * Where the publisher writes receipt artifacts: a registry (referrers.registry.ts) or an OCI image
 * layout (layout.store.ts), behind one small interface so the service can be configured for either.
 *
 * Contract for implementations:
 * - `pushReferrer` is idempotent (same artifact ⇒ same digest ⇒ no change the second time) and
 *   returns only once the artifact and its listing (tag-schema index or registry API) are durable
 *   at the target; on error nothing is half-listed that a retry would not complete.
 * - Concurrent `pushReferrer` calls for one subject on one target are serialised per
 *   (registry, repository, subject); all of them end up listed.
 */
import type { ReferrerArtifact } from './artifact.builder.js';
import type { Descriptor } from './descriptor.js';

/** A repository on a registry (`registry` is `host[:port]`). */
export interface RepositoryRef {
  registry: string;
  repository: string;
}

/** `auto`: detect per repository; `api`: referrers API only; `tag`: tag-schema index only. */
export type ReferrersMode = 'api' | 'tag' | 'auto';

export interface ListReferrersOptions {
  artifactType?: string;
}

/** What a `pushReferrer` did. */
export interface PushedReferrer {
  digest: string;
  descriptor: Descriptor;
  /** `api`: the registry indexes referrers itself; `tag`: we updated the tag-schema index. */
  via: 'api' | 'tag';
  /** Digest of the tag-schema index that lists the referrer (when `via` is `tag`). */
  indexDigest?: string;
}

export interface ReferrerTarget {
  /** Pushes the artifact as a referrer of `artifact.subject` in `repo`. */
  pushReferrer(repo: RepositoryRef, artifact: ReferrerArtifact): Promise<PushedReferrer>;
  /** Referrers of `subject` in `repo`, optionally of one artifact type. */
  listReferrers(repo: RepositoryRef, subject: string, options?: ListReferrersOptions): Promise<Descriptor[]>;
}
