/** OCI descriptors and their canonical JSON form (fixed key order, so bytes are deterministic). */
import { isDigest } from './digest.js';
import { OciError } from './oci.errors.js';
import { JsonDuplicateKeyError, parseJsonStrict } from '../../ledger/src/index.js';

/** An OCI content descriptor (image-spec §descriptor), the fields this project uses. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
  platform?: Record<string, unknown>;
  data?: string;
}

/** Annotations with keys sorted (code-unit order), so equal maps serialise to equal bytes. */
export function sortedAnnotations(a: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(a).sort()) {
    const v = a[k];
    if (typeof v !== 'string') throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't use annotation ${k}: value is not a string`);
    out[k] = v;
  }
  return out;
}

/**
 * A copy of `d` with keys in the fixed order mediaType, artifactType, digest, size, urls,
 * annotations, platform, data — and unknown keys dropped. Validates digest and size.
 */
export function canonicalDescriptor(d: Descriptor): Descriptor {
  if (typeof d.mediaType !== 'string' || d.mediaType === '') {
    throw new OciError('ERR_OCI_MANIFEST_INVALID', `couldn't use descriptor: missing mediaType`);
  }
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) {
    throw new OciError('ERR_OCI_MANIFEST_INVALID', `couldn't use descriptor: invalid digest ${String(d.digest).slice(0, 80)}`);
  }
  if (!Number.isSafeInteger(d.size) || d.size < 0) {
    throw new OciError('ERR_OCI_MANIFEST_INVALID', `couldn't use descriptor ${d.digest}: size ${String(d.size)} is not a non-negative safe integer`);
  }
  const out: Descriptor = { mediaType: d.mediaType } as Descriptor;
  if (d.artifactType !== undefined) out.artifactType = d.artifactType;
  out.digest = d.digest;
  out.size = d.size;
  if (d.urls !== undefined) out.urls = [...d.urls];
  if (d.annotations !== undefined && Object.keys(d.annotations).length > 0) out.annotations = sortedAnnotations(d.annotations);
  if (d.platform !== undefined) out.platform = d.platform;
  if (d.data !== undefined) out.data = d.data;
  return out;
}

/** Parses JSON manifest/index bytes into an object; throws `ERR_OCI_MANIFEST_INVALID`. */
export function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseJsonStrict(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new OciError('ERR_OCI_MANIFEST_INVALID', `couldn't parse ${what}: ${cause instanceof JsonDuplicateKeyError ? `the object at ${cause.path} has the member ${JSON.stringify(cause.key)} twice` : 'not UTF-8 JSON'}`, { cause });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OciError('ERR_OCI_MANIFEST_INVALID', `couldn't parse ${what}: not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** The descriptors of an index's `manifests` array (throws when malformed). */
export function indexManifests(index: Record<string, unknown>, what: string): Descriptor[] {
  const m = index.manifests ?? [];
  if (!Array.isArray(m)) throw new OciError('ERR_OCI_MANIFEST_INVALID', `couldn't read ${what}: manifests is not an array`);
  return m.map((d) => {
    if (!d || typeof d !== 'object') throw new OciError('ERR_OCI_MANIFEST_INVALID', `couldn't read ${what}: a manifests entry is not an object`);
    canonicalDescriptor(d as Descriptor); // validates
    return d as Descriptor;
  });
}

/** Encodes a JSON value as UTF-8 bytes (no whitespace). */
export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
