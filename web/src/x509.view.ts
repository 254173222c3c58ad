/**
 * Reads what the entry view shows of an x5chain certificate: subject, issuer, validity, and the
 * public key (EC P-256/384/521 or Ed25519) so the issuer's signature can be checked in the
 * browser against the chain's leaf. Display only: the ledger's policy decides trust in the chain.
 */
import { DerReader, DerTag, decodeBitString, decodeOid, readOne } from '../../libs/x509/src/der.reader.js';
import type { CoseKey } from '../../libs/cose/src/index.js';

const NAME_OIDS: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};
const CURVES: Readonly<Record<string, { crv: number; size: number }>> = {
  '1.2.840.10045.3.1.7': { crv: 1, size: 32 },
  '1.3.132.0.34': { crv: 2, size: 48 },
  '1.3.132.0.35': { crv: 3, size: 66 },
};

export interface CertificateView {
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly key?: CoseKey;
}

function name(e: { content: Uint8Array; offset: number; encoded: Uint8Array; tag: number }): string {
  const parts: string[] = [];
  const rdns = DerReader.of(e);
  while (!rdns.done) {
    const set = DerReader.of(rdns.read('RDN', 0x31));
    while (!set.done) {
      const atv = DerReader.of(set.read('AttributeTypeAndValue', DerTag.sequence));
      const oid = decodeOid(atv.read('type', DerTag.oid), 'type');
      const value = atv.read('value');
      parts.push(`${NAME_OIDS[oid] ?? oid}=${new TextDecoder().decode(value.content)}`);
    }
  }
  return parts.join(', ') || '(empty)';
}

function time(e: { tag: number; content: Uint8Array }): string {
  const t = new TextDecoder().decode(e.content);
  // UTCTime YYMMDDHHMMSSZ (years 1950–2049) or GeneralizedTime YYYYMMDDHHMMSSZ
  const full = e.tag === 0x17 ? `${Number(t.slice(0, 2)) >= 50 ? '19' : '20'}${t}` : t;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(full);
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}Z` : t;
}

function spkiKey(e: { content: Uint8Array; offset: number; encoded: Uint8Array; tag: number }): CoseKey | undefined {
  const spki = DerReader.of(e);
  const alg = DerReader.of(spki.read('algorithm', DerTag.sequence));
  const oid = decodeOid(alg.read('algorithm', DerTag.oid), 'algorithm');
  const { bytes } = decodeBitString(spki.read('subjectPublicKey', DerTag.bitString), 'subjectPublicKey');
  if (oid === '1.3.101.112') return { kty: 1, crv: 6, x: bytes.slice() };
  if (oid !== '1.2.840.10045.2.1') return undefined;
  const curve = CURVES[decodeOid(alg.read('namedCurve', DerTag.oid), 'namedCurve')];
  if (!curve || bytes[0] !== 4 || bytes.length !== 1 + 2 * curve.size) return undefined;
  return { kty: 2, crv: curve.crv, x: bytes.slice(1, 1 + curve.size), y: bytes.slice(1 + curve.size) };
}

/** Subject, issuer, validity and key of a DER certificate; throws on malformed DER. */
export function readCertificateView(der: Uint8Array): CertificateView {
  const cert = DerReader.of(readOne(der, 'Certificate', DerTag.sequence));
  const tbs = DerReader.of(cert.read('tbsCertificate', DerTag.sequence));
  tbs.optional('version', 0xa0);
  tbs.read('serialNumber', DerTag.integer);
  tbs.read('signature', DerTag.sequence);
  const issuer = name(tbs.read('issuer', DerTag.sequence));
  const validity = DerReader.of(tbs.read('validity', DerTag.sequence));
  const notBefore = time(validity.read('notBefore'));
  const notAfter = time(validity.read('notAfter'));
  const subject = name(tbs.read('subject', DerTag.sequence));
  let key: CoseKey | undefined;
  try {
    key = spkiKey(tbs.read('subjectPublicKeyInfo', DerTag.sequence));
  } catch {
    key = undefined;
  }
  return { subject, issuer, notBefore, notAfter, ...(key && { key }) };
}
