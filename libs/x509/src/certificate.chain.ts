/**
 * x5chain validation on node:crypto, the one copy the ledger (src/entries/issuer-keys.ts) and the
 * offline verifier (libs/cli issuer.trust.ts) share: read the chain, check every certificate's
 * validity at a time, find its trust anchor and run the RFC 5280 path checks
 * ({@link checkChainToAnchors}), then check that each certificate is issued by the next. Every
 * failure is an {@link X509Error} with a stable code and the index of the certificate at fault;
 * callers map the codes to their own messages (problem details, report lines). docs/policy.md,
 * "Certificate chains", lists what is and is not checked.
 */
import { X509Certificate } from 'node:crypto';
import { checkChainToAnchors } from './chain.anchor.js';
import { X509Error } from './x509.error.js';

/** True when `at` lies within the certificate's validity period (notBefore ≤ at ≤ notAfter). */
export function isValidAt(cert: X509Certificate, at: Date): boolean {
  const t = at.getTime();
  return new Date(cert.validFrom).getTime() <= t && t <= new Date(cert.validTo).getTime();
}

/**
 * Parses a chain (DER, leaf first) with node:crypto. OpenSSL ignores bytes after a certificate; we
 * refuse them, so that one chain has one encoding.
 * @throws X509Error `ERR_X5CHAIN_FORMAT` (with the index) for bytes that are not exactly one DER certificate
 */
export function readChain(ders: readonly Uint8Array[]): X509Certificate[] {
  if (ders.length === 0) throw new X509Error('ERR_X5CHAIN_FORMAT', 'the certificate chain is empty');
  return ders.map((der, index) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(der);
    } catch (cause) {
      throw new X509Error('ERR_X5CHAIN_FORMAT', `certificate ${index} is not a DER X.509 certificate`, { cause, index });
    }
    if (cert.raw.length !== der.length) {
      throw new X509Error('ERR_X5CHAIN_FORMAT', `certificate ${index} is not a DER X.509 certificate: ${der.length - cert.raw.length} bytes follow it`, { index });
    }
    return cert;
  });
}

/** One line naming a certificate for messages: `certificate 1 (CN=Vendor CA, O=…)`. */
const named = (c: X509Certificate, i: number): string => `certificate ${i} (${c.subject.replace(/\n/g, ', ')})`;

/**
 * Every certificate is valid at `at`.
 * @throws X509Error `ERR_X5CHAIN_EXPIRED` naming the first certificate that is not
 */
export function checkValidity(certs: readonly X509Certificate[], at: Date): void {
  certs.forEach((c, index) => {
    if (!isValidAt(c, at)) {
      throw new X509Error('ERR_X5CHAIN_EXPIRED', `${named(c, index)} is not valid at ${at.toISOString()} (valid ${c.validFrom} to ${c.validTo})`, { index });
    }
  });
}

/**
 * Each certificate names the next as its issuer and its signature verifies under the next's key.
 * @throws X509Error `ERR_X5CHAIN_BROKEN` naming the first link that does not hold
 */
export function checkChainLinks(certs: readonly X509Certificate[]): void {
  certs.forEach((c, index) => {
    const next = certs[index + 1];
    if (next && !(c.checkIssued(next) && c.verify(next.publicKey))) {
      throw new X509Error('ERR_X5CHAIN_BROKEN', `certificate ${index} is not issued by certificate ${index + 1} (issuer name or signature)`, { index });
    }
  });
}

/** A chain that passed {@link verifyChain}. */
export interface VerifiedChain {
  /** the chain, leaf first, parsed by node:crypto */
  readonly certs: readonly X509Certificate[];
  /**
   * Index into the anchors given of the trust anchor the chain ends at: its top certificate is
   * that anchor, or is issued (name and signature) by it. Absent: the chain is anchored nowhere
   * (a self-carried key, which vouches for no name).
   */
  readonly anchor?: number;
}

/**
 * Validates a chain (DER, leaf first) at `at` against trust anchors, in this order: readable
 * (`ERR_X5CHAIN_FORMAT`), every certificate valid at `at` (`ERR_X5CHAIN_EXPIRED`), the RFC 5280
 * path checks over the chain and the anchor that issued its top, an anchor counting only when
 * valid at `at` (`ERR_X5CHAIN_NOT_CA`, `_LEAF_CA`, `_KEY_USAGE`, `_PATH_LEN`,
 * `_CRITICAL_EXTENSION`, `_NAME_CONSTRAINTS`, `_FORMAT`), and each link (`ERR_X5CHAIN_BROKEN`).
 * `certs` may pass the chain already parsed by {@link readChain}.
 *
 * @example
 *   const { anchor } = verifyChain(ders, anchors, new Date());
 *   if (anchor === undefined) console.log('a self-carried key: no anchor vouches for it');
 * @throws X509Error with the code of the first check that fails
 */
export function verifyChain(ders: readonly Uint8Array[], anchors: readonly X509Certificate[], at: Date, certs: readonly X509Certificate[] = readChain(ders)): VerifiedChain {
  checkValidity(certs, at);
  const found = checkChainToAnchors(ders, certs, anchors, (a) => isValidAt(a, at));
  checkChainLinks(certs);
  const top = certs[certs.length - 1]!;
  const anchor = found.itself ?? (found.issuer !== undefined && top.checkIssued(anchors[found.issuer]!) ? found.issuer : undefined);
  return anchor === undefined ? { certs } : { certs, anchor };
}
