/** OCI digests (`algorithm:encoded`): compute, validate, verify, and the referrers tag. */
import { createHash } from 'node:crypto';
import { OciError } from './oci.errors.js';

const ALGORITHM = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;
const ENCODED = /^[a-zA-Z0-9=_-]+$/;
const HEX: Record<string, RegExp> = { sha256: /^[a-f0-9]{64}$/, sha512: /^[a-f0-9]{128}$/ };

/** `sha256:<hex>` of the bytes. */
export function sha256Digest(bytes: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

/**
 * Splits and validates a digest per image-spec: a well-formed `algorithm:encoded`, and for the
 * registered algorithms (sha256, sha512) lowercase hex of the right length.
 * Throws `ERR_OCI_DIGEST_INVALID`.
 * @example parseDigest('sha256:44136fa3…') // { algorithm: 'sha256', encoded: '44136fa3…' }
 */
export function parseDigest(digest: string): { algorithm: string; encoded: string } {
  const i = digest.indexOf(':');
  const algorithm = i > 0 ? digest.slice(0, i) : '';
  const encoded = i > 0 ? digest.slice(i + 1) : '';
  const registered = HEX[algorithm];
  if (!ALGORITHM.test(algorithm) || !ENCODED.test(encoded) || (registered && !registered.test(encoded))) {
    throw new OciError('ERR_OCI_DIGEST_INVALID', `couldn't parse digest ${JSON.stringify(digest.slice(0, 200))}: not algorithm:encoded (sha256 needs 64 lowercase hex digits)`);
  }
  return { algorithm, encoded };
}

/** True when {@link parseDigest} accepts it. */
export function isDigest(digest: string): boolean {
  try {
    parseDigest(digest);
    return true;
  } catch {
    return false;
  }
}

/** The digest of `bytes` with the algorithm of `like` (sha256 or sha512). */
export function digestLike(like: string, bytes: Uint8Array): string {
  const { algorithm } = parseDigest(like);
  if (!HEX[algorithm]) throw new OciError('ERR_OCI_DIGEST_INVALID', `couldn't compute digest: unsupported algorithm ${algorithm}`);
  return algorithm + ':' + createHash(algorithm).update(bytes).digest('hex');
}

/** Throws `ERR_OCI_DIGEST_MISMATCH` unless `bytes` hash to `expected`. */
export function verifyDigest(bytes: Uint8Array, expected: string, what = 'content'): void {
  const actual = digestLike(expected, bytes);
  if (actual !== expected) {
    throw new OciError('ERR_OCI_DIGEST_MISMATCH', `couldn't verify ${what}: expected ${expected}, got ${actual}`);
  }
}

/**
 * The OCI 1.1 referrers tag-schema tag for a subject digest: `<alg>-<encoded>`, truncated to 128
 * characters (distribution-spec "Referrers Tag Schema").
 * @example referrersTag('sha256:abc…') // 'sha256-abc…'
 */
export function referrersTag(subjectDigest: string): string {
  const { algorithm, encoded } = parseDigest(subjectDigest);
  return `${algorithm}-${encoded}`.slice(0, 128);
}
