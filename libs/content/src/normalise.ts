/**
 * Normal forms shared by the parsers: package URLs (via `packageurl-js`, the purl spec's
 * JavaScript implementation) and hashes (`alg` lowercase, `sha-256`/`SHA256`/`sha256` all `sha256`,
 * value lowercase hex). One spelling per meaning, so an index lookup cannot miss a component
 * because its SBOM wrote `pkg:NPM/Lodash` or `SHA-256`.
 */
import { PackageURL } from 'packageurl-js';
import { FieldReader } from './json.reader.js';
import { ContentHash } from './content.model.js';

export interface NormalPurl {
  /** The whole purl in canonical form (type and, per type rules, name lowercased; qualifiers sorted). */
  readonly purl: string;
  /** type/namespace/name only: the "all versions" key. */
  readonly purlBase: string;
  readonly version: string | null;
  /** `sha256:<hex>` when the purl's version is an OCI digest (`pkg:oci/app@sha256%3A…`), else null. */
  readonly digest: string | null;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * A package URL in canonical form.
 * @throws Error (from packageurl-js) when `text` is not a package URL
 * @example parsePurl('pkg:NPM/Lodash@4.17.20').purlBase // 'pkg:npm/lodash'
 */
export function parsePurl(text: string): NormalPurl {
  const p = PackageURL.fromString(text);
  const base = new PackageURL(p.type, p.namespace, p.name, undefined, undefined, undefined).toString();
  const version = p.version ?? null;
  return { purl: p.toString(), purlBase: base, version, digest: version !== null && DIGEST.test(version) ? version : null };
}

/** {@link parsePurl} for a document field: a bad purl is a ContentFormatError naming the field. */
export function readPurl(r: FieldReader, value: unknown, pointer: string): NormalPurl {
  const s = r.string(value, pointer);
  try {
    return parsePurl(s);
  } catch (e) {
    return r.fail(pointer, `not a valid package URL (${(e as Error).message})`);
  }
}

const HEX_LENGTH: Record<string, number> = {
  md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128,
  'sha3-224': 56, 'sha3-256': 64, 'sha3-384': 96, 'sha3-512': 128,
  'blake2b-256': 64, 'blake2b-384': 96, 'blake2b-512': 128, blake3: 64,
  'sha512-224': 56, 'sha512-256': 64,
};

/** `SHA-256`, `SHA256`, `sha256` → `sha256`; `SHA3-256`, `sha3_256` → `sha3-256`; `BLAKE2b-256` → `blake2b-256`. */
export function normaliseHashAlg(alg: string): string {
  const a = alg.toLowerCase().replace(/_/g, '-');
  const m = /^sha-?(1|224|256|384|512)$/.exec(a);
  return m ? `sha${m[1]}` : a;
}

/**
 * A hash in normal form. Values of known algorithms must be hex of the algorithm's length (either
 * case is read, lowercase is kept); other algorithms keep their value as written.
 */
export function readHash(r: FieldReader, alg: string, value: unknown, pointer: string): ContentHash {
  const a = normaliseHashAlg(alg);
  const v = r.string(value, pointer);
  const len = HEX_LENGTH[a];
  if (len !== undefined) {
    if (v.length !== len || !/^[0-9a-fA-F]+$/.test(v)) r.fail(pointer, `must be ${len} hex digits for ${alg}`);
    return { alg: a, value: v.toLowerCase() };
  }
  return { alg: a, value: v };
}

/** `alg:value` strings for a digest set, e.g. `sha256:ab…`. */
export const digestStrings = (hashes: readonly ContentHash[]): string[] => hashes.map((h) => `${h.alg}:${h.value}`);

/** A media type's essence: lowercase `type/subtype`, parameters dropped (RFC 9110 §8.3.1). */
export function mediaTypeEssence(contentType: string): string {
  return contentType.split(';', 1)[0]!.trim().toLowerCase();
}
