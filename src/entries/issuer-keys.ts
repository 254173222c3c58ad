/**
 * Resolves the key a signed statement must verify under (RFC 9943 §5.1 / docs/policy.md):
 *  - `kid` (label 4) naming a key the policy registers for the statement's `iss`, or
 *  - an `x5chain` (label 33, protected) whose links verify and whose top is, or is issued by, a
 *    configured trust anchor — or, under the development policy, any well-formed chain
 *    (self-signed allowed): "a key the statement carries itself".
 * x5chain must sit in the protected header: the unprotected header is emptied before inclusion,
 * so an x5chain there could not be checked again from the log. The chain itself (validity, links,
 * anchor, and the extensions' path checks) is checked by `verifyChain` (libs/x509), the same code
 * as the offline verifier's; docs/policy.md, "Certificate chains", lists what is and is not checked.
 * Every refusal is a {@link StatementRejection} with a stable code.
 */
import { X509Certificate, hash } from 'node:crypto';
import { CoseError, HeaderLabel, bytesEqual, coseKeyThumbprint, jwkToCoseKey, publicKeyFromCertificate, toHex, x5chainOf, type CoseKey, type CoseSign1 } from '../../libs/cose/src/index.js';
import type { KeySource, RegistrationPolicy } from '../../libs/ledger/src/index.js';
import { X509Error, readCertificate, verifyChain, type VerifiedChain } from '../../libs/x509/src/index.js';
import { StatementRejection, malformedStatement, rejectedStatement } from './statement-rejection.js';

export interface ResolvedKey {
  readonly key: CoseKey;
  readonly source: KeySource;
  /** hex kid, or `x5t:<sha-256 hex of the leaf certificate>` */
  readonly kid: string;
  /** the x5chain leaf, when the key came from one */
  readonly leaf?: X509Certificate;
}

/**
 * The names a certificate vouches for: its subject CN, DNS and URI subject alternative names.
 * A trust-anchored issuer's `iss` must be one of them (a URI name exactly, or a URL or bare name
 * whose host is a DNS name or the CN) — otherwise any holder of an anchored certificate could
 * speak for any issuer.
 */
export function certificateNames(cert: X509Certificate): { matches(iss: string): boolean; describe(): string } {
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1]?.trim();
  const san = (cert.subjectAltName ?? '').split(/,\s*/).filter(Boolean);
  const dns = san.filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4).toLowerCase());
  const uris = san.filter((n) => n.startsWith('URI:')).map((n) => n.slice(4));
  const hosts = new Set([...dns, ...(cn ? [cn.toLowerCase()] : [])]);
  return {
    matches(iss: string): boolean {
      if (uris.includes(iss)) return true;
      let host = iss.toLowerCase();
      try {
        host = new URL(iss).hostname.toLowerCase() || host;
      } catch {
        // not a URL: compare the name itself
      }
      return hosts.has(host);
    },
    describe: () => [...(cn ? [`CN=${cn}`] : []), ...san].join(', ') || 'no names',
  };
}

/**
 * RFC 9360: when `x5t` (34) accompanies an x5chain it must be the hash of the leaf certificate,
 * `[hashAlg, hashValue]`. We support SHA-256 (-16); anything else is refused, never ignored.
 */
function checkThumbprint(x5t: unknown, leaf: Uint8Array): void {
  if (x5t === undefined) return;
  if (!Array.isArray(x5t) || x5t.length !== 2 || !(x5t[1] instanceof Uint8Array)) {
    throw malformedStatement('x5t (34) must be [hashAlg, hashValue]', 'ERR_X5T_FORMAT');
  }
  if (x5t[0] !== -16) throw rejectedStatement(`x5t (34) uses hash algorithm ${String(x5t[0])}; only SHA-256 (-16) is supported`, 'ERR_X5T_ALG');
  if (!bytesEqual(x5t[1], hash('sha256', leaf, 'buffer'))) throw rejectedStatement('x5t (34) is not the thumbprint of the x5chain leaf certificate', 'ERR_X5T_MISMATCH');
}

/** The certificates of x5chain (33), normalised by libs/cose; a malformed value is ERR_X5CHAIN_FORMAT. */
function x5chainCertificates(statement: CoseSign1): Uint8Array[] | undefined {
  try {
    return x5chainOf(statement.protectedHeader);
  } catch (e) {
    if (e instanceof CoseError) throw malformedStatement(e.message, 'ERR_X5CHAIN_FORMAT', e);
    throw e;
  }
}

/**
 * The chain checks of libs/x509 (`verifyChain`) as rejections: an unreadable certificate is a
 * malformed statement (ERR_X5CHAIN_FORMAT); any other failure keeps the library's code
 * (ERR_X5CHAIN_EXPIRED, _BROKEN, _NOT_CA, _LEAF_CA, _KEY_USAGE, _PATH_LEN, _CRITICAL_EXTENSION,
 * _NAME_CONSTRAINTS).
 */
function checkChain(ders: readonly Uint8Array[], anchors: readonly X509Certificate[], now: Date): VerifiedChain {
  try {
    return verifyChain(ders, anchors, now);
  } catch (e) {
    if (!(e instanceof X509Error)) throw e;
    const detail = `x5chain (33): ${e.message}`;
    throw e.code === 'ERR_X5CHAIN_FORMAT' ? malformedStatement(detail, e.code, e) : rejectedStatement(detail, e.code, e);
  }
}

export class IssuerKeys {
  private readonly byIssuer = new Map<string, Map<string, CoseKey>>();
  private readonly anchors: X509Certificate[];

  constructor(private readonly policy: RegistrationPolicy) {
    for (const issuer of policy.issuers) {
      const keys = new Map<string, CoseKey>();
      issuer.keys.forEach((k, i) => {
        let key: CoseKey;
        try {
          key = jwkToCoseKey(k.jwk);
        } catch (cause) {
          throw new Error(`invalid registration policy: issuers[${issuer.iss}].keys[${i}] is not a usable public key`, { cause });
        }
        const thumbprint = toHex(coseKeyThumbprint(key));
        keys.set(k.kid ?? thumbprint, key);
        keys.set(thumbprint, key);
      });
      this.byIssuer.set(issuer.iss, keys);
    }
    this.anchors = policy.trustAnchors.map((pem, i) => {
      try {
        const anchor = new X509Certificate(pem);
        readCertificate(new Uint8Array(anchor.raw)); // strict DER and extensions, once, at start
        return anchor;
      } catch (cause) {
        throw new Error(`invalid registration policy: trustAnchors[${i}] is not a readable X.509 certificate: ${(cause as Error).message}`, { cause });
      }
    });
  }

  /** Find the issuer key; throws a {@link StatementRejection} saying why there is none. */
  resolve(statement: CoseSign1, iss: string, now: Date): ResolvedKey {
    const h = statement.protectedHeader;
    const chain = x5chainCertificates(statement);
    if (chain !== undefined) {
      // A registered issuer speaks only with its registered keys: a certificate (anchored or
      // self-signed) must not let anyone else claim its name — or revoke its claims.
      if (this.byIssuer.has(iss)) {
        throw rejectedStatement(`issuer ${iss} is registered in the policy with its keys: sign with one of them (kid), not with an x5chain`, 'ERR_ISSUER_KEY_MISMATCH');
      }
      const resolved = this.fromChain(chain, now);
      checkThumbprint(h.get(HeaderLabel.x5t), chain[0]!);
      if (resolved.source === 'trust-anchor' && resolved.leaf && !certificateNames(resolved.leaf).matches(iss)) {
        throw rejectedStatement(
          `issuer ${iss} is not a name of the x5chain leaf certificate (${certificateNames(resolved.leaf).describe()}): iss must be one of its URI names, or a URL whose host is its DNS name or CN`,
          'ERR_ISSUER_NOT_CERTIFIED',
        );
      }
      return resolved;
    }
    if (statement.unprotectedHeader.has(HeaderLabel.x5chain)) {
      throw rejectedStatement('x5chain must be in the protected header: the unprotected header is not part of the registered entry', 'ERR_X5CHAIN_UNPROTECTED');
    }
    const kid = h.get(HeaderLabel.kid);
    if (!(kid instanceof Uint8Array)) {
      throw malformedStatement('the protected header has neither kid (4) nor x5chain (33): the issuer key cannot be identified', 'ERR_MISSING_KEY_ID');
    }
    const kidHex = toHex(kid);
    const key = this.byIssuer.get(iss)?.get(kidHex);
    if (!key) {
      throw rejectedStatement(`no key ${kidHex} is registered for issuer ${iss} in the registration policy`, 'ERR_UNKNOWN_ISSUER_KEY');
    }
    return { key, source: 'registered', kid: kidHex };
  }

  /** The leaf key of a chain that passes the checks of libs/x509, and where it is anchored. */
  private fromChain(ders: readonly Uint8Array[], now: Date): ResolvedKey {
    const chain = checkChain(ders, this.anchors, now);
    let key: CoseKey;
    try {
      key = publicKeyFromCertificate(ders[0]!);
    } catch (cause) {
      throw new StatementRejection('unsupported-algorithm', 'ERR_X5CHAIN_KEY', 'the x5chain leaf certificate has a key type we do not support (P-256, P-384, Ed25519)', { cause });
    }
    const kid = `x5t:${hash('sha256', ders[0]!, 'hex')}`;
    return { key, source: chain.anchor !== undefined ? 'trust-anchor' : 'self-carried', kid, leaf: chain.certs[0]! };
  }
}
