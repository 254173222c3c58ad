/**
 * The RFC 5280 §6.1 path checks a chain's extensions decide (a subset — see docs/policy.md,
 * "Certificate chains"): the leaf may sign, every issuer is a CA allowed to sign certificates,
 * path lengths hold, and no critical extension goes unprocessed. Signatures, names chaining and
 * validity are the caller's (node:crypto does them); this module only reads the DER. Pure.
 */
import { ExtensionOid, decodeBasicConstraints, decodeExtKeyUsage, decodeKeyUsage, readCertificate, type BasicConstraints, type CertificateInfo, type KeyUsage } from './certificate.reader.js';
import { X509Error } from './x509.error.js';
import { bytesEqual } from '../../cose/src/bytes.js';

export interface PathCheckOptions {
  /**
   * The trust anchor (DER) that issued the chain's top certificate, when the anchor is not itself
   * in the chain. It is checked as an issuer like any other (cA, keyCertSign, pathLen, critical
   * extensions).
   */
  readonly anchor?: Uint8Array;
  /**
   * Accept a leaf with basicConstraints cA=true. Only for a lone self-signed certificate that
   * merely carries a key (a development policy's self-carried key): such a certificate vouches
   * for nothing, and `openssl req -x509` marks it a CA by default. Never for an anchored chain.
   */
  readonly allowCaLeaf?: boolean;
}

/** One certificate of a checked path, with its decoded constraints. */
export interface PathCertificate extends CertificateInfo {
  readonly keyUsage?: ReadonlySet<KeyUsage>;
  readonly basicConstraints?: BasicConstraints;
  readonly extKeyUsage?: readonly string[];
}

/** Extensions whose criticality we honour: decoded and enforced here, or (subjectAltName) by the caller's name checks. */
const UNDERSTOOD = new Set<string>([ExtensionOid.keyUsage, ExtensionOid.basicConstraints, ExtensionOid.extKeyUsage, ExtensionOid.subjectAltName]);

/** Self-issued (RFC 5280 §6.1): issuer and subject names equal — compared as encoded, which never counts too few. */
const selfIssued = (c: CertificateInfo): boolean => bytesEqual(c.issuer, c.subject);

function read(der: Uint8Array, index: number, label: string): PathCertificate {
  try {
    const info = readCertificate(der);
    const ext = (oid: string) => info.extensions.find((e) => e.oid === oid)?.value;
    const ku = ext(ExtensionOid.keyUsage);
    const bc = ext(ExtensionOid.basicConstraints);
    const eku = ext(ExtensionOid.extKeyUsage);
    return {
      ...info,
      ...(ku ? { keyUsage: decodeKeyUsage(ku) } : {}),
      ...(bc ? { basicConstraints: decodeBasicConstraints(bc) } : {}),
      ...(eku ? { extKeyUsage: decodeExtKeyUsage(eku) } : {}),
    };
  } catch (cause) {
    const why = cause instanceof X509Error ? cause.message : String(cause);
    throw new X509Error('ERR_X5CHAIN_FORMAT', `couldn't read ${label}: ${why}`, { cause, index });
  }
}

/**
 * Check a certificate path's extensions, leaf first. Throws an {@link X509Error} whose `code`
 * says which rule failed and whose `index` is the certificate at fault (`chain.length` for the
 * anchor); returns the decoded certificates (the anchor last, when given).
 *
 * - leaf: keyUsage, if present, includes digitalSignature; not a CA (unless `allowCaLeaf`);
 * - each issuer (chain[1..] and the anchor): basicConstraints cA=true; keyUsage, if present,
 *   includes keyCertSign; at most pathLenConstraint non-self-issued intermediates below it;
 * - any certificate: no nameConstraints (not supported), no other critical extension than
 *   keyUsage, basicConstraints, extKeyUsage and subjectAltName.
 *
 * @example
 *   checkCertificatePath([leafDer, intermediateDer], { anchor: rootDer });
 */
export function checkCertificatePath(chain: readonly Uint8Array[], options: PathCheckOptions = {}): readonly PathCertificate[] {
  if (chain.length === 0) throw new X509Error('ERR_X5CHAIN_FORMAT', 'the certificate chain is empty');
  const ders = options.anchor ? [...chain, options.anchor] : chain;
  const label = (i: number) => (i === chain.length ? 'the trust anchor' : i === 0 ? 'certificate 0 (the leaf)' : `certificate ${i}`);
  const certs = ders.map((d, i) => read(d, i, label(i)));

  certs.forEach((c, i) => {
    for (const e of c.extensions) {
      if (e.oid === ExtensionOid.nameConstraints) {
        throw new X509Error('ERR_X5CHAIN_NAME_CONSTRAINTS', `${label(i)} has nameConstraints (${e.oid}), which this service does not support: use a chain without them`, { index: i });
      }
      if (e.critical && !UNDERSTOOD.has(e.oid)) {
        throw new X509Error('ERR_X5CHAIN_CRITICAL_EXTENSION', `${label(i)} has a critical extension ${e.oid} this service does not process`, { index: i });
      }
    }
    if (i === 0) {
      if (c.keyUsage && !c.keyUsage.has('digitalSignature')) {
        throw new X509Error('ERR_X5CHAIN_KEY_USAGE', `${label(i)} has keyUsage ${[...c.keyUsage].join(', ')}, without digitalSignature: its key may not sign statements`, { index: i });
      }
      if (c.basicConstraints?.ca && !options.allowCaLeaf) {
        throw new X509Error('ERR_X5CHAIN_LEAF_CA', `${label(i)} is a CA certificate (basicConstraints cA=true): a CA key must not sign statements, use an end-entity certificate it issued`, { index: i });
      }
      return;
    }
    if (!c.basicConstraints?.ca) {
      throw new X509Error('ERR_X5CHAIN_NOT_CA', `${label(i)} issues certificate ${i - 1} but is not a CA certificate (basicConstraints cA=true)`, { index: i });
    }
    if (c.keyUsage && !c.keyUsage.has('keyCertSign')) {
      throw new X509Error('ERR_X5CHAIN_KEY_USAGE', `${label(i)} issues certificate ${i - 1} but its keyUsage (${[...c.keyUsage].join(', ')}) lacks keyCertSign`, { index: i });
    }
    const pathLen = c.basicConstraints.pathLen;
    if (pathLen !== undefined) {
      const below = certs.slice(1, i).filter((x) => !selfIssued(x)).length;
      if (below > pathLen) {
        throw new X509Error('ERR_X5CHAIN_PATH_LEN', `${label(i)} allows ${pathLen} intermediate certificate(s) below it (pathLenConstraint), the chain has ${below}`, { index: i });
      }
    }
  });
  return certs;
}
