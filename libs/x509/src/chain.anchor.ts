/**
 * The trust-anchor half of x5chain validation ({@link verifyChain} in certificate.chain.ts, which
 * the ledger and the offline verifier share): which anchor a chain ends at, then the RFC 5280
 * path checks over the chain and that anchor ({@link checkCertificatePath}).
 */
import type { X509Certificate } from 'node:crypto';
import { checkCertificatePath } from './certificate.path.js';

/** Indexes into the anchors given: the chain's top certificate is `itself` an anchor, or was issued by `issuer`. */
export interface ChainAnchors {
  readonly itself?: number;
  readonly issuer?: number;
}

/**
 * Finds the chain's anchor and checks the path. The top certificate (last of `certs`) is an anchor
 * itself (the same DER), or names an anchor as its issuer (its issuer name is the anchor's subject,
 * or node's `checkIssued` agrees), that anchor is `usable` (e.g. valid now), and the top's
 * signature verifies under the anchor's key: that anchor then joins the path and its CA
 * constraints are checked with the chain's. A lone certificate that no anchor vouches for only
 * carries a key, and may be a CA certificate (as `openssl req -x509` makes by default).
 *
 * `ders` and `certs` are the same chain, leaf first (DER, and parsed by node:crypto).
 * @throws X509Error when a path check fails
 */
export function checkChainToAnchors(
  ders: readonly Uint8Array[],
  certs: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
  usable: (anchor: X509Certificate) => boolean,
): ChainAnchors {
  const top = certs[certs.length - 1]!;
  const itself = anchors.findIndex((a) => a.raw.equals(top.raw));
  const issuer = itself >= 0 ? -1 : anchors.findIndex((a) => (top.issuer === a.subject || top.checkIssued(a)) && usable(a) && top.verify(a.publicKey));
  checkCertificatePath(ders, { ...(issuer >= 0 ? { anchor: new Uint8Array(anchors[issuer]!.raw) } : {}), allowCaLeaf: ders.length === 1 && itself < 0 && issuer < 0 });
  return { ...(itself >= 0 ? { itself } : {}), ...(issuer >= 0 ? { issuer } : {}) };
}
