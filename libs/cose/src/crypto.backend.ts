/**
 * The one interface both signature backends implement. Both must agree on every vector:
 * ECDSA signatures are IEEE P1363 (r‖s, fixed length), high-S accepted (COSE does not require
 * low-S), EdDSA per RFC 8032 (strict encodings).
 */
import type { CoseKey } from './cose-key.codec.js';

export interface CryptoBackend {
  /** A short name for logs and benchmarks ("node", "noble"). */
  readonly name: string;
  /**
   * Signs `toBeSigned` (the Sig_structure bytes) with the private key.
   * @throws CoseError ERR_COSE_UNKNOWN_ALG, ERR_COSE_BAD_KEY
   */
  sign(alg: number, key: CoseKey, toBeSigned: Uint8Array): Promise<Uint8Array>;
  /**
   * Resolves true when `signature` is valid, false when it is not (including a wrong length).
   * @throws CoseError ERR_COSE_UNKNOWN_ALG, ERR_COSE_BAD_KEY (alg/key mismatch, invalid point)
   */
  verify(alg: number, key: CoseKey, toBeSigned: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /**
   * True when `sign` and `verify` have read (or copied) `toBeSigned` and `signature` by the time
   * they return their promise: the caller may then lend bytes it overwrites afterwards, and
   * `signSign1` and `verifySign1` build the Sig_structure in a reused buffer instead of a
   * new one per call (an ArrayBuffer of its own costs ≈ 2–4 µs of CPU to allocate and free:
   * docs/benchmarks.md, #17 seventeenth pass). Absent or false: they get bytes of their own.
   */
  readonly readsInputAtCall?: boolean;
  /** A fresh key pair for `alg` (EdDSA → Ed25519), with `alg` set. */
  generateKey(alg: number): Promise<CoseKey>;
}
