/**
 * Signing and verifying COSE_Sign1 (RFC 9052 §4.4).
 */
import { encodeCbor } from './cbor.encode.js';
import { curveForAlg } from './cose.algorithms.js';
import { CoseError, CoseErrorCode } from './cose.errors.js';
import { checkCrit, checkDisjoint, checkHeaderMap, getAlg, HeaderLabel, type HeaderMap } from './cose.headers.js';
import type { CoseKey } from './cose-key.codec.js';
import type { CryptoBackend } from './crypto.backend.js';
import { nodeCryptoBackend } from './node.backend.js';
import { encodeSign1, sigStructure1, withSigStructure1, type CoseSign1 } from './sign1.codec.js';

const EMPTY = new Uint8Array(0);

/**
 * Hands the Sig_structure to `use` (a backend's sign or verify): lent from a reused buffer when the
 * backend reads its input at the call (`readsInputAtCall`), else in bytes of its own.
 */
function withToBeSigned<T>(backend: CryptoBackend, protectedBytes: Uint8Array, externalAad: Uint8Array, payload: Uint8Array, use: (tbs: Uint8Array) => T): T {
  return backend.readsInputAtCall ? withSigStructure1(protectedBytes, externalAad, payload, use) : use(sigStructure1(protectedBytes, externalAad, payload));
}

/** Options for {@link signSign1}. */
export interface SignSign1Options {
  /** Must hold alg (1); encoded deterministically. */
  protectedHeader: HeaderMap;
  unprotectedHeader?: HeaderMap;
  payload: Uint8Array;
  /** Leave the payload out of the message (nil); it is still signed. */
  detached?: boolean;
  key: CoseKey;
  /** Default {@link nodeCryptoBackend}. */
  backend?: CryptoBackend;
  externalAad?: Uint8Array;
  /** Default true (tag 18). */
  tagged?: boolean;
}

/**
 * Signs a COSE_Sign1. The algorithm comes from the protected header (label 1) and must fit the key.
 *
 * @throws CoseError ERR_COSE_BAD_HEADER (no alg, bad header values), ERR_COSE_UNKNOWN_ALG, ERR_COSE_BAD_KEY
 * @example
 *   const statement = await signSign1({
 *     protectedHeader: new Map<number, unknown>([[HeaderLabel.alg, Alg.ES256], [HeaderLabel.kid, kid],
 *       [HeaderLabel.cwtClaims, new Map([[CwtClaim.iss, 'did:web:example.com'], [CwtClaim.sub, 'pkg:oci/app']])]]),
 *     payload, key,
 *   });
 */
export async function signSign1(opts: SignSign1Options): Promise<Uint8Array> {
  const unprotectedHeader = opts.unprotectedHeader ?? new Map();
  checkHeaderMap(opts.protectedHeader, 'protected');
  checkHeaderMap(unprotectedHeader, 'unprotected');
  checkDisjoint(opts.protectedHeader, unprotectedHeader);
  const alg = getAlg(opts.protectedHeader);
  curveForAlg(alg, opts.key, true);
  const protectedBytes = opts.protectedHeader.size === 0 ? EMPTY : encodeCbor(opts.protectedHeader);
  const backend = opts.backend ?? nodeCryptoBackend;
  const signature = await withToBeSigned(backend, protectedBytes, opts.externalAad ?? EMPTY, opts.payload, (tbs) => backend.sign(alg, opts.key, tbs));
  return encodeSign1({ protectedBytes, unprotectedHeader, payload: opts.detached ? null : opts.payload, signature }, { tagged: opts.tagged ?? true });
}

/** Options for {@link verifySign1}. */
export interface VerifySign1Options {
  /** Default {@link nodeCryptoBackend}. */
  backend?: CryptoBackend;
  /** The payload of a message whose payload is nil. */
  detachedPayload?: Uint8Array;
  externalAad?: Uint8Array;
  /** Labels the caller understands when they are listed in `crit` (default none: any crit fails). */
  crit?: readonly (number | string)[];
  /** Refuse an alg that is only in the unprotected header (default false: RFC 9052 allows it). */
  requireProtectedAlg?: boolean;
}

/**
 * Verifies a decoded COSE_Sign1 against a key. The algorithm is the protected header's alg (or,
 * unless `requireProtectedAlg`, the unprotected one); it must fit the key's kty/crv (and its alg if
 * set), so an unprotected alg cannot switch algorithms. `crit` is enforced against `opts.crit`.
 *
 * @throws CoseError ERR_COSE_SIGNATURE_INVALID, ERR_COSE_UNKNOWN_ALG, ERR_COSE_PAYLOAD_MISSING,
 *   ERR_COSE_PAYLOAD_CONFLICT, ERR_COSE_BAD_KEY, ERR_COSE_BAD_HEADER, ERR_COSE_UNSUPPORTED_CRIT
 * @example
 *   await verifySign1(decodeSign1(body), issuerKey); // resolves, or throws a CoseError saying why
 */
export async function verifySign1(msg: CoseSign1, key: CoseKey, opts: VerifySign1Options = {}): Promise<void> {
  const inProtected = msg.protectedHeader.has(HeaderLabel.alg);
  if (!inProtected && opts.requireProtectedAlg) throw new CoseError(CoseErrorCode.CoseBadHeader, "couldn't verify COSE_Sign1: alg (1) is not in the protected header");
  const alg = getAlg(inProtected ? msg.protectedHeader : msg.unprotectedHeader);
  checkCrit(msg.protectedHeader, opts.crit ?? []);
  curveForAlg(alg, key);
  let payload = msg.payload;
  if (payload === null) {
    if (!opts.detachedPayload) throw new CoseError(CoseErrorCode.CosePayloadMissing, "couldn't verify COSE_Sign1: the payload is detached and none was supplied");
    payload = opts.detachedPayload;
  } else if (opts.detachedPayload) {
    throw new CoseError(CoseErrorCode.CosePayloadConflict, "couldn't verify COSE_Sign1: the message carries a payload and a detached payload was supplied too");
  }
  const backend = opts.backend ?? nodeCryptoBackend;
  const ok = await withToBeSigned(backend, msg.protectedBytes, opts.externalAad ?? EMPTY, payload, (tbs) => backend.verify(alg, key, tbs, msg.signature));
  if (!ok) throw new CoseError(CoseErrorCode.CoseSignatureInvalid, "couldn't verify COSE_Sign1: the signature does not match");
}
