/**
 * Resolves the key a signed statement must verify under (RFC 9943 §5.1 / docs/policy.md):
 *  - `kid` (label 4) naming a key the policy registers for the statement's `iss`, or
 *  - an `x5chain` (label 33, protected) whose links verify and whose top is, or is issued by, a
 *    configured trust anchor — or, under the development policy, any well-formed chain
 *    (self-signed allowed): "a key the statement carries itself".
 * x5chain must sit in the protected header: the unprotected header is emptied before inclusion,
 * so an x5chain there could not be checked again from the log. The chain's extensions (key usage,
 * basic constraints, path length, critical extensions) are checked by `checkCertificatePath`
 * (libs/x509); docs/policy.md, "Certificate chains", lists what is and is not checked.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { HeaderLabel, coseKeyThumbprint, jwkToCoseKey, publicKeyFromCertificate, type CoseKey, type CoseSign1 } from '../../libs/cose/src/index.js';
import type { KeySource, RegistrationPolicy } from '../../libs/ledger/src/index.js';
import { X509Error, checkChainToAnchors, readCertificate, type ChainAnchors } from '../../libs/x509/src/index.js';
import { rejected, malformed, ProblemError } from '../common/problem.js';

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

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * RFC 9360: when `x5t` (34) accompanies an x5chain it must be the hash of the leaf certificate,
 * `[hashAlg, hashValue]`. We support SHA-256 (-16); anything else is refused, never ignored.
 */
function checkThumbprint(x5t: unknown, leaf: X509Certificate): void {
  if (x5t === undefined) return;
  if (!Array.isArray(x5t) || x5t.length !== 2 || !(x5t[1] instanceof Uint8Array)) {
    throw malformed('x5t (34) must be [hashAlg, hashValue]', 'ERR_X5T_FORMAT');
  }
  if (x5t[0] !== -16) throw rejected(`x5t (34) uses hash algorithm ${String(x5t[0])}; only SHA-256 (-16) is supported`, 'ERR_X5T_ALG');
  const want = createHash('sha256').update(leaf.raw).digest();
  if (!Buffer.from(x5t[1]).equals(want)) throw rejected('x5t (34) is not the thumbprint of the x5chain leaf certificate', 'ERR_X5T_MISMATCH');
}

/**
 * The chain's anchor and its RFC 5280 path checks (libs/x509), as problem details: an unreadable
 * certificate is a malformed request (ERR_X5CHAIN_FORMAT); a broken rule keeps the library's code
 * (ERR_X5CHAIN_NOT_CA, _LEAF_CA, _KEY_USAGE, _PATH_LEN, _CRITICAL_EXTENSION, _NAME_CONSTRAINTS).
 */
function checkPath(ders: readonly Uint8Array[], certs: readonly X509Certificate[], anchors: readonly X509Certificate[], now: Date): ChainAnchors {
  try {
    return checkChainToAnchors(ders, certs, anchors, (a) => new Date(a.validTo) >= now);
  } catch (e) {
    if (!(e instanceof X509Error)) throw e;
    if (e.code === 'ERR_X5CHAIN_FORMAT') throw malformed(`x5chain (33): ${e.message}`, 'ERR_X5CHAIN_FORMAT', e);
    throw rejected(`x5chain (33): ${e.message}`, e.code);
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
        keys.set(k.kid ?? hex(coseKeyThumbprint(key)), key);
        keys.set(hex(coseKeyThumbprint(key)), key);
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

  /** Find the issuer key; throws a problem (400) saying why there is none. */
  resolve(statement: CoseSign1, iss: string, now: Date): ResolvedKey {
    const h = statement.protectedHeader;
    const chain = h.get(HeaderLabel.x5chain);
    if (chain !== undefined) {
      // A registered issuer speaks only with its registered keys: a certificate (anchored or
      // self-signed) must not let anyone else claim its name — or revoke its claims.
      if (this.byIssuer.has(iss)) {
        throw rejected(`issuer ${iss} is registered in the policy with its keys: sign with one of them (kid), not with an x5chain`, 'ERR_ISSUER_KEY_MISMATCH');
      }
      const resolved = this.fromChain(chain, now);
      checkThumbprint(h.get(HeaderLabel.x5t), resolved.leaf!);
      if (resolved.source === 'trust-anchor' && resolved.leaf && !certificateNames(resolved.leaf).matches(iss)) {
        throw rejected(
          `issuer ${iss} is not a name of the x5chain leaf certificate (${certificateNames(resolved.leaf).describe()}): iss must be one of its URI names, or a URL whose host is its DNS name or CN`,
          'ERR_ISSUER_NOT_CERTIFIED',
        );
      }
      return resolved;
    }
    if (statement.unprotectedHeader.has(HeaderLabel.x5chain)) {
      throw rejected('x5chain must be in the protected header: the unprotected header is not part of the registered entry', 'ERR_X5CHAIN_UNPROTECTED');
    }
    const kid = h.get(HeaderLabel.kid);
    if (!(kid instanceof Uint8Array)) {
      throw malformed('the protected header has neither kid (4) nor x5chain (33): the issuer key cannot be identified', 'ERR_MISSING_KEY_ID');
    }
    const key = this.byIssuer.get(iss)?.get(hex(kid));
    if (!key) {
      throw rejected(`no key ${hex(kid)} is registered for issuer ${iss} in the registration policy`, 'ERR_UNKNOWN_ISSUER_KEY');
    }
    return { key, source: 'registered', kid: hex(kid) };
  }

  private fromChain(value: unknown, now: Date): ResolvedKey {
    const ders = value instanceof Uint8Array ? [value] : Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof Uint8Array) ? (value as Uint8Array[]) : null;
    if (!ders) throw malformed('x5chain (33) must be a certificate (bstr) or a non-empty array of certificates', 'ERR_X5CHAIN_FORMAT');
    if (ders.length > 8) throw malformed('x5chain (33) has more than 8 certificates', 'ERR_X5CHAIN_FORMAT');
    let certs: X509Certificate[];
    try {
      certs = ders.map((d) => new X509Certificate(d));
    } catch (cause) {
      throw new ProblemError(400, 'Malformed request', 'x5chain (33) holds something that is not a DER X.509 certificate', 'ERR_X5CHAIN_FORMAT', {}, { cause });
    }
    for (const [i, c] of certs.entries()) {
      if (new Date(c.validFrom) > now || new Date(c.validTo) < now) {
        throw rejected(`certificate ${i} of x5chain (${c.subject.replace(/\n/g, ', ')}) is not valid now (valid ${c.validFrom} to ${c.validTo})`, 'ERR_X5CHAIN_EXPIRED');
      }
    }
    // the path checks made every issuer a CA certificate (ERR_X5CHAIN_NOT_CA); here the links' signatures
    const found = checkPath(ders, certs, this.anchors, now);
    for (const [i, c] of certs.entries()) {
      const next = certs[i + 1];
      if (next && (!c.checkIssued(next) || !c.verify(next.publicKey))) throw rejected(`certificate ${i} of x5chain is not signed by certificate ${i + 1}`, 'ERR_X5CHAIN_BROKEN');
    }
    const issuing = found.issuer !== undefined ? this.anchors[found.issuer]! : undefined;
    const anchored = found.itself !== undefined || (issuing !== undefined && certs[certs.length - 1]!.checkIssued(issuing));
    let key: CoseKey;
    try {
      key = publicKeyFromCertificate(ders[0]!);
    } catch (cause) {
      throw new ProblemError(400, 'Bad Signature Algorithm', 'the x5chain leaf certificate has a key type we do not support (P-256, P-384, Ed25519)', 'ERR_X5CHAIN_KEY', {}, { cause });
    }
    const kid = `x5t:${createHash('sha256').update(ders[0]!).digest('hex')}`;
    return { key, source: anchored ? 'trust-anchor' : 'self-carried', kid, leaf: certs[0]! };
  }
}
