/**
 * Builds X.509 v3 certificates (RFC 5280) for x5chain issuers: self-signed for development,
 * or issued by a CA key for trust-anchor setups and tests. P-256, P-384 and Ed25519 keys.
 */
import { createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { KEY_USAGE_BITS, type KeyUsage } from './certificate.reader.js';
import { bits, bool, explicit, octets, oid, seq, set, time, uint, utf8 } from './der.js';

/** An extra extension, for tests of extensions the builder does not model (unknown, critical). */
export interface CertificateExtensionSpec {
  readonly oid: string;
  readonly critical?: boolean;
  /** the extension's own DER (wrapped in the extnValue OCTET STRING by the builder) */
  readonly value: Uint8Array;
}

export interface CertificateOptions {
  /** the certified public key */
  readonly subjectKey: KeyObject;
  readonly subject: string;
  /** the signing key: the subject's own private key for a self-signed certificate */
  readonly issuerKey: KeyObject;
  /** the issuer's common name (defaults to `subject`: self-signed) */
  readonly issuer?: string;
  readonly ca?: boolean;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly serial?: Uint8Array;
  /** keyUsage bits (critical); default digitalSignature, plus keyCertSign for a CA; `null` omits the extension */
  readonly keyUsage?: readonly KeyUsage[] | null;
  /** basicConstraints pathLenConstraint (a CA only) */
  readonly pathLen?: number;
  /** extKeyUsage purpose OIDs (non-critical); omitted when absent */
  readonly extKeyUsage?: readonly string[];
  /** further extensions, after the modelled ones */
  readonly extensions?: readonly CertificateExtensionSpec[];
}

function signatureAlgorithm(key: KeyObject): { id: Uint8Array; hash: string | null } {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return { id: seq(oid('1.3.101.112')), hash: null };
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { id: seq(oid('1.2.840.10045.4.3.2')), hash: 'sha256' };
    if (curve === 'secp384r1') return { id: seq(oid('1.2.840.10045.4.3.3')), hash: 'sha384' };
  }
  throw new Error(`couldn't build a certificate: unsupported issuer key (${type} ${key.asymmetricKeyDetails?.namedCurve ?? ''})`);
}

/** A named-bit BIT STRING, DER: trailing zero bits dropped (X.690 §11.2.2). */
function namedBits(names: readonly KeyUsage[]): Uint8Array {
  const positions = names.map((n) => KEY_USAGE_BITS.indexOf(n));
  const count = positions.length ? Math.max(...positions) + 1 : 0;
  const out = new Uint8Array(Math.ceil(count / 8));
  for (const p of positions) out[Math.floor(p / 8)]! |= 0x80 >> p % 8;
  return bits(out, out.length * 8 - count);
}

const extension = (id: string, critical: boolean, value: Uint8Array): Uint8Array => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

const name = (cn: string): Uint8Array => seq(set(seq(oid('2.5.4.3'), utf8(cn))));

/**
 * Create a DER certificate.
 * @example
 *   const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
 *   const der = createCertificate({ subjectKey: publicKey, issuerKey: privateKey, subject: 'ci.example' });
 */
export function createCertificate(o: CertificateOptions): Uint8Array {
  const alg = signatureAlgorithm(o.issuerKey);
  if (o.pathLen !== undefined && !(Number.isInteger(o.pathLen) && o.pathLen >= 0 && o.pathLen < 128)) throw new Error(`couldn't build a certificate: pathLen ${o.pathLen} (the builder supports 0–127)`);
  const notBefore = o.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = o.notAfter ?? new Date(notBefore.getTime() + 365 * 24 * 3600 * 1000);
  const serial = o.serial ?? randomBytes(16);
  serial[0]! &= 0x7f;
  const pub = o.subjectKey.type === 'public' ? o.subjectKey : createPublicKey(o.subjectKey);
  const spki = new Uint8Array(pub.export({ type: 'spki', format: 'der' }));
  const keyUsage = o.keyUsage === undefined ? (o.ca ? (['digitalSignature', 'keyCertSign'] as const) : (['digitalSignature'] as const)) : o.keyUsage;
  const extensions = seq(
    // basicConstraints, critical
    extension('2.5.29.19', true, o.ca ? seq(bool(true), ...(o.pathLen !== undefined ? [uint(new Uint8Array([o.pathLen]))] : [])) : seq()),
    // keyUsage, critical
    ...(keyUsage ? [extension('2.5.29.15', true, namedBits(keyUsage))] : []),
    ...(o.extKeyUsage ? [extension('2.5.29.37', false, seq(...o.extKeyUsage.map(oid)))] : []),
    ...(o.extensions ?? []).map((e) => extension(e.oid, e.critical ?? false, e.value)),
  );
  const tbs = seq(
    explicit(0, uint(new Uint8Array([2]))),
    uint(serial),
    alg.id,
    name(o.issuer ?? o.subject),
    seq(time(notBefore), time(notAfter)),
    name(o.subject),
    spki,
    explicit(3, extensions),
  );
  const signature = new Uint8Array(sign(alg.hash, tbs, o.issuerKey));
  return seq(tbs, alg.id, bits(signature));
}
