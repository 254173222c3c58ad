/**
 * Reads what path checks need from a DER X.509 certificate (RFC 5280 §4.1): the issuer and subject
 * names (as encoded) and the extensions (tbsCertificate → [3] extensions), each with its OID,
 * critical flag and value; and decodes keyUsage, basicConstraints and extKeyUsage (§4.2.1.3, .9,
 * .12). It does not verify signatures or parse names: node:crypto's X509Certificate does that.
 * Pure: no Node APIs. Every failure is an `ERR_X509_MALFORMED` {@link X509Error}.
 */
import { DerReader, DerTag, decodeBitString, decodeBoolean, decodeOid, decodeUnsigned, readOne } from './der.reader.js';
import { X509Error } from './x509.error.js';

export const ExtensionOid = {
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  extKeyUsage: '2.5.29.37',
} as const;

export interface CertificateExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** the extnValue OCTET STRING's content: the extension's own DER */
  readonly value: Uint8Array;
}

export interface CertificateInfo {
  /** 1, 2 or 3 */
  readonly version: number;
  /** the issuer Name as encoded (DER), for exact comparison */
  readonly issuer: Uint8Array;
  /** the subject Name as encoded (DER) */
  readonly subject: Uint8Array;
  /** in certificate order; empty for a certificate without extensions */
  readonly extensions: readonly CertificateExtension[];
}

/** The keyUsage named bits (RFC 5280 §4.2.1.3), bit 0 first. */
export const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'] as const;
export type KeyUsage = (typeof KEY_USAGE_BITS)[number];

export interface BasicConstraints {
  readonly ca: boolean;
  /** absent when the certificate sets no limit */
  readonly pathLen?: number;
}

/**
 * Read a certificate's version, names and extensions.
 * @example
 *   const { extensions } = readCertificate(der);
 *   const ku = extensions.find((e) => e.oid === ExtensionOid.keyUsage);
 *   if (ku) decodeKeyUsage(ku.value).has('digitalSignature');
 */
export function readCertificate(der: Uint8Array): CertificateInfo {
  const cert = DerReader.of(readOne(der, 'Certificate', DerTag.sequence));
  const tbs = DerReader.of(cert.read('tbsCertificate', DerTag.sequence));
  cert.read('signatureAlgorithm', DerTag.sequence);
  cert.read('signatureValue', DerTag.bitString);
  cert.end('the Certificate');

  const versionTag = tbs.optional('version', 0xa0);
  let version = 1;
  if (versionTag) {
    const v = DerReader.of(versionTag);
    version = decodeUnsigned(v.read('version', DerTag.integer), 'version') + 1;
    v.end('version');
    if (version !== 2 && version !== 3) throw new X509Error('ERR_X509_MALFORMED', `malformed certificate: version ${version} (only v1, v2, v3 exist)`);
  }
  tbs.read('serialNumber', DerTag.integer);
  tbs.read('signature', DerTag.sequence);
  const issuer = tbs.read('issuer', DerTag.sequence).encoded;
  tbs.read('validity', DerTag.sequence);
  const subject = tbs.read('subject', DerTag.sequence).encoded;
  tbs.read('subjectPublicKeyInfo', DerTag.sequence);
  tbs.optional('issuerUniqueID', 0x81);
  tbs.optional('subjectUniqueID', 0x82);
  const extTag = tbs.optional('extensions', 0xa3);
  tbs.end('the tbsCertificate');
  if (!extTag) return { version, issuer, subject, extensions: [] };
  if (version !== 3) throw new X509Error('ERR_X509_MALFORMED', `malformed certificate: a v${version} certificate with extensions (only v3 has them)`);

  const outer = DerReader.of(extTag);
  const list = DerReader.of(outer.read('Extensions', DerTag.sequence));
  outer.end('Extensions');
  if (list.done) throw new X509Error('ERR_X509_MALFORMED', 'malformed certificate: an empty Extensions sequence (SIZE (1..MAX))');
  const extensions: CertificateExtension[] = [];
  const seen = new Set<string>();
  while (!list.done) {
    const ext = DerReader.of(list.read('Extension', DerTag.sequence));
    const oid = decodeOid(ext.read('extnID', DerTag.oid), 'extnID');
    const crit = ext.optional(`critical flag of extension ${oid}`, DerTag.boolean);
    const critical = crit ? decodeBoolean(crit, `critical flag of extension ${oid}`) : false;
    const value = ext.read(`extnValue of extension ${oid}`, DerTag.octetString).content;
    ext.end(`extension ${oid}`);
    if (seen.has(oid)) throw new X509Error('ERR_X509_MALFORMED', `malformed certificate: extension ${oid} appears twice (RFC 5280 §4.2)`);
    seen.add(oid);
    extensions.push({ oid, critical, value });
  }
  return { version, issuer, subject, extensions };
}

/** keyUsage (2.5.29.15): the named bits set. At least one must be (RFC 5280 §4.2.1.3). */
export function decodeKeyUsage(value: Uint8Array): ReadonlySet<KeyUsage> {
  const { bytes, unused } = decodeBitString(readOne(value, 'keyUsage', DerTag.bitString), 'keyUsage');
  const set = new Set<KeyUsage>();
  const total = bytes.length * 8 - unused;
  for (let bit = 0; bit < total; bit++) {
    if ((bytes[Math.floor(bit / 8)]! & (0x80 >> bit % 8)) === 0) continue;
    const name = KEY_USAGE_BITS[bit];
    if (name) set.add(name);
  }
  if (set.size === 0) throw new X509Error('ERR_X509_MALFORMED', 'malformed keyUsage: no usage bit is set');
  return set;
}

/** basicConstraints (2.5.29.19): `SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }`. */
export function decodeBasicConstraints(value: Uint8Array): BasicConstraints {
  const r = DerReader.of(readOne(value, 'basicConstraints', DerTag.sequence));
  const caFlag = r.optional('basicConstraints cA', DerTag.boolean);
  const ca = caFlag ? decodeBoolean(caFlag, 'basicConstraints cA') : false;
  const lenTag = r.optional('basicConstraints pathLenConstraint', DerTag.integer);
  r.end('basicConstraints');
  if (!lenTag) return { ca };
  const pathLen = decodeUnsigned(lenTag, 'basicConstraints pathLenConstraint');
  if (!ca) throw new X509Error('ERR_X509_MALFORMED', 'malformed basicConstraints: pathLenConstraint without cA (RFC 5280 §4.2.1.9)');
  return { ca, pathLen };
}

/** extKeyUsage (2.5.29.37): the purpose OIDs, at least one. */
export function decodeExtKeyUsage(value: Uint8Array): readonly string[] {
  const r = DerReader.of(readOne(value, 'extKeyUsage', DerTag.sequence));
  const oids: string[] = [];
  while (!r.done) oids.push(decodeOid(r.read('extKeyUsage KeyPurposeId', DerTag.oid), 'extKeyUsage KeyPurposeId'));
  if (oids.length === 0) throw new X509Error('ERR_X509_MALFORMED', 'malformed extKeyUsage: no purpose (SIZE (1..MAX))');
  return oids;
}
