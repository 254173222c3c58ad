/**
 * The OCI 1.1 referrers tag-schema index (`<alg>-<hex>` tag): pure merge and read helpers.
 * Merging keeps every entry already there (other tools' too), in order, drops later duplicates
 * of a digest, and appends ours that are missing.
 */
import { canonicalDescriptor, indexManifests, jsonBytes, parseJsonObject, type Descriptor } from './descriptor.js';
import { MEDIA_TYPE_OCI_EMPTY, MEDIA_TYPE_OCI_INDEX } from './media-types.js';

/** Result of {@link mergeReferrersIndex}. */
export interface MergedIndex {
  /** The index to write (canonical field order). */
  bytes: Uint8Array;
  /** False when the existing index already lists all of `add` without duplicates (skip the write). */
  changed: boolean;
  manifests: Descriptor[];
}

/**
 * Merges `add` into an existing referrers index (bytes, or undefined when the tag is absent).
 * @example mergeReferrersIndex(undefined, [ourDescriptor]).bytes // a new one-entry index
 */
export function mergeReferrersIndex(existing: Uint8Array | undefined, add: readonly Descriptor[]): MergedIndex {
  let entries: Descriptor[] = [];
  let annotations: Record<string, string> | undefined;
  if (existing) {
    const obj = parseJsonObject(existing, 'referrers index');
    entries = indexManifests(obj, 'referrers index');
    if (obj.annotations && typeof obj.annotations === 'object') annotations = obj.annotations as Record<string, string>;
  }
  const seen = new Set<string>();
  const manifests: Descriptor[] = [];
  let changed = existing === undefined;
  for (const e of entries) {
    if (seen.has(e.digest)) {
      changed = true;
      continue;
    }
    seen.add(e.digest);
    manifests.push(e); // as found: unknown fields of other tools survive
  }
  for (const d of add) {
    if (seen.has(d.digest)) continue;
    seen.add(d.digest);
    manifests.push(canonicalDescriptor(d));
    changed = true;
  }
  const index: Record<string, unknown> = { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests };
  if (annotations) index.annotations = annotations;
  return { bytes: jsonBytes(index), changed, manifests };
}

/** The entries of a referrers index, optionally only those of one artifact type. */
export function referrersFromIndex(bytes: Uint8Array, artifactType?: string): Descriptor[] {
  const all = indexManifests(parseJsonObject(bytes, 'referrers index'), 'referrers index');
  return artifactType === undefined ? all : all.filter((d) => d.artifactType === artifactType);
}

/**
 * The descriptor a referrers listing gives for a manifest: media type, `artifactType` (else the
 * config media type unless it is the empty type), digest, size, annotations (distribution-spec 1.1).
 * Returns undefined when the manifest has no `subject`.
 */
export function referrerDescriptor(
  manifest: Uint8Array,
  digest: string,
  mediaType?: string,
): { descriptor: Descriptor; subject: string } | undefined {
  const m = parseJsonObject(manifest, 'manifest');
  const subject = (m.subject as { digest?: unknown } | undefined)?.digest;
  if (typeof subject !== 'string') return undefined;
  const configType = (m.config as { mediaType?: unknown } | undefined)?.mediaType;
  const artifactType =
    typeof m.artifactType === 'string' ? m.artifactType : typeof configType === 'string' && configType !== MEDIA_TYPE_OCI_EMPTY ? configType : undefined;
  const d: Descriptor = {
    mediaType: typeof m.mediaType === 'string' ? m.mediaType : (mediaType ?? ''),
    digest,
    size: manifest.length,
  };
  if (artifactType !== undefined) d.artifactType = artifactType;
  if (m.annotations && typeof m.annotations === 'object') d.annotations = m.annotations as Record<string, string>;
  return { descriptor: canonicalDescriptor(d), subject };
}
