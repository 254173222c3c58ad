/**
 * Issuer trust for offline verification: pinned issuer keys (optionally bound to one `iss`) and
 * X.509 trust anchors for `x5chain` statements. Resolves the key a statement must verify under,
 * or says why there is none.
 */
import { X509Certificate } from 'node:crypto';
import { derProblem } from './input.sniff.js';
import { existsSync } from 'node:fs';
import { coseKeyThumbprint, publicKey, publicKeyFromCertificate, toHex, type CoseKey } from '../../cose/src/index.js';
import { X509Error, readChain, verifyChain, type VerifiedChain } from '../../x509/src/index.js';
import { loadCertificates, loadKey } from './key.files.js';
import type { StatementFacts } from './statement.builder.js';

/** A pinned issuer key. */
export interface PinnedIssuerKey {
  key: CoseKey;
  kid: string;
  /** Only statements with this `iss` may use the key (any when absent). */
  iss?: string;
  source: string;
}

/** A trust anchor certificate. */
export interface TrustAnchor {
  cert: X509Certificate;
  source: string;
}

/** The outcome of resolving a statement's issuer key. */
export type IssuerResolution = { key: CoseKey; how: string } | { key?: undefined; reason: string };

/**
 * Parses `[iss=]<file>`: a key or certificate file, optionally bound to an issuer. The whole
 * argument is a file when such a file exists; otherwise the last `=` separates iss and file.
 */
export function parseIssuerKeyArg(arg: string, exists: (p: string) => boolean = existsSync): { iss?: string; file: string } {
  if (exists(arg)) return { file: arg };
  const i = arg.lastIndexOf('=');
  if (i <= 0 || i === arg.length - 1) return { file: arg }; // reported as a missing file by the loader
  return { iss: arg.slice(0, i), file: arg.slice(i + 1) };
}

/**
 * Why a chain fails the checks of libs/x509 (the ledger's own: docs/policy.md, "Certificate
 * chains"), as a report line: an unreadable certificate with what is wrong with its bytes; expiry
 * and broken links as such; the RFC 5280 path checks with their code.
 */
function chainReason(e: X509Error, ders: readonly Uint8Array[]): string {
  switch (e.code) {
    case 'ERR_X5CHAIN_FORMAT':
      // in our words what is wrong with the bytes (input.sniff), as for certificate files
      return e.index === undefined || !ders[e.index] ? `the x5chain is not readable: ${e.message}` : `the x5chain is not readable: x5chain certificate ${e.index} is not a DER X.509 certificate: ${derProblem(ders[e.index]!)}`;
    case 'ERR_X5CHAIN_EXPIRED':
    case 'ERR_X5CHAIN_BROKEN':
      return `x5chain ${e.message}`;
    default:
      return `the x5chain fails its path checks: ${e.message} (${e.code})`;
  }
}

/** Issuer keys and trust anchors a consumer trusts. */
export class IssuerTrust {
  readonly keys: PinnedIssuerKey[] = [];
  readonly anchors: TrustAnchor[] = [];

  /** Loads `--issuer-key [iss=]file` and `--trust-anchor file` arguments. */
  static load(keyArgs: readonly string[] = [], anchorFiles: readonly string[] = []): IssuerTrust {
    const t = new IssuerTrust();
    for (const arg of keyArgs) {
      const { iss, file } = parseIssuerKeyArg(arg);
      const k = loadKey(file);
      t.keys.push({ key: publicKey(k.key), kid: toHex(k.kid), ...(iss ? { iss } : {}), source: file });
    }
    for (const f of anchorFiles) for (const der of loadCertificates(f)) t.anchors.push({ cert: new X509Certificate(der), source: f });
    return t;
  }

  get empty(): boolean {
    return this.keys.length === 0 && this.anchors.length === 0;
  }

  private pinned(kidHex: string, iss: string | undefined): PinnedIssuerKey | undefined {
    return this.keys.find((k) => k.kid === kidHex && (k.iss === undefined || k.iss === iss));
  }

  /**
   * The key a statement must verify under: a pinned key matching its `kid` (or its x5chain leaf
   * key), or the leaf key of an `x5chain` that chains to a trust anchor and is valid at `at`
   * (the registration time).
   */
  resolve(f: StatementFacts, at: Date): IssuerResolution {
    if (this.empty) return { reason: 'no issuer keys or trust anchors were given (--issuer-key, --trust-anchor)' };
    if (f.kid !== undefined) {
      const p = this.pinned(f.kid, f.iss) ?? this.keys.find((k) => k.key.kid && toHex(k.key.kid) === f.kid && (k.iss === undefined || k.iss === f.iss));
      if (p) return { key: p.key, how: `pinned key ${p.source}` };
      const other = this.keys.find((k) => k.kid === f.kid);
      if (other) return { reason: `kid ${f.kid} is pinned for issuer ${JSON.stringify(other.iss)}, not ${JSON.stringify(f.iss)}` };
      if (!f.x5chain) return { reason: `no trusted issuer key has kid ${f.kid}` };
    }
    if (!f.x5chain || f.x5chain.length === 0) return { reason: 'the statement has neither a kid nor an x5chain' };
    let chain: X509Certificate[];
    let leafKey: CoseKey;
    try {
      chain = readChain(f.x5chain);
      leafKey = publicKeyFromCertificate(f.x5chain[0]!);
    } catch (e) {
      if (e instanceof X509Error) return { reason: chainReason(e, f.x5chain) };
      return { reason: `the x5chain is not readable: ${(e as Error).message}` };
    }
    const leafKid = toHex(coseKeyThumbprint(leafKey));
    const p = this.pinned(leafKid, f.iss);
    if (p) return { key: leafKey, how: `x5chain leaf key pinned by ${p.source}` };
    let verified: VerifiedChain;
    try {
      verified = verifyChain(f.x5chain, this.anchors.map((a) => a.cert), at, chain);
    } catch (e) {
      if (e instanceof X509Error) return { reason: chainReason(e, f.x5chain) };
      throw e;
    }
    if (verified.anchor !== undefined) return { key: leafKey, how: `x5chain to trust anchor ${this.anchors[verified.anchor]!.source}` };
    return { reason: this.anchors.length ? `the x5chain (leaf kid ${leafKid}) does not chain to a trust anchor` : `the x5chain leaf key (kid ${leafKid}) is not pinned and no --trust-anchor was given` };
  }
}
