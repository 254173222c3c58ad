/**
 * Builds X.509 v3 certificates (RFC 5280) for x5chain issuers: self-signed for development,
 * or issued by a CA key for trust-anchor setups and tests. P-256, P-384 and Ed25519 keys.
 */
import { createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { bits, bool, explicit, octets, oid, seq, set, time, uint, utf8 } from './der.js';

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

const name = (cn: string): Uint8Array => seq(set(seq(oid('2.5.4.3'), utf8(cn))));

/**
 * Create a DER certificate.
 * @example
 *   const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
 *   const der = createCertificate({ subjectKey: publicKey, issuerKey: privateKey, subject: 'ci.example' });
 */
export function createCertificate(o: CertificateOptions): Uint8Array {
  const alg = signatureAlgorithm(o.issuerKey);
  const notBefore = o.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = o.notAfter ?? new Date(notBefore.getTime() + 365 * 24 * 3600 * 1000);
  const serial = o.serial ?? randomBytes(16);
  serial[0]! &= 0x7f;
  const pub = o.subjectKey.type === 'public' ? o.subjectKey : createPublicKey(o.subjectKey);
  const spki = new Uint8Array(pub.export({ type: 'spki', format: 'der' }));
  const extensions = seq(
    // basicConstraints, critical
    seq(oid('2.5.29.19'), bool(true), octets(o.ca ? seq(bool(true)) : seq())),
    // keyUsage, critical: digitalSignature (+ keyCertSign for a CA)
    seq(oid('2.5.29.15'), bool(true), octets(o.ca ? bits(new Uint8Array([0x84]), 2) : bits(new Uint8Array([0x80]), 7))),
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
