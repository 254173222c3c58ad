/**
 * How claims are keyed by subject: a CWT `sub` that is an OCI reference is normalised
 * (`oci://` stripped, registry host lowercased, tag dropped when a digest names the collection),
 * so `oci://Registry.example/app@sha256:…` and `registry.example/app@sha256:…` are one collection;
 * any other subject is kept exactly as written.
 */
import { parseReference } from '../../libs/oci/src/index.js';

export interface SubjectKeys {
  /** `registry/repository@digest` (or `registry/repository:tag`) for OCI references, else the `sub` itself */
  readonly subject: string;
  /** `registry/repository` for OCI references, else null */
  readonly repository: string | null;
}

/**
 * The keys a claim is found under.
 * @example subjectKeys('oci://R.example/app:1@sha256:ab…') // { subject: 'r.example/app@sha256:ab…', repository: 'r.example/app' }
 */
export function subjectKeys(sub: string): SubjectKeys {
  try {
    const ref = parseReference(sub);
    const repository = `${ref.registry.toLowerCase()}/${ref.repository}`;
    const subject = ref.digest !== undefined ? `${repository}@${ref.digest}` : ref.tag !== undefined ? `${repository}:${ref.tag}` : repository;
    return { subject, repository };
  } catch {
    return { subject: sub, repository: null };
  }
}

/** The key of a `?repository=` query (`[oci://]registry/repo`); undefined when it is not an OCI repository. */
export function repositoryKey(input: string): string | undefined {
  return subjectKeys(input).repository ?? undefined;
}
