/**
 * @module cose — strict CBOR, COSE_Sign1, COSE_Key and signature backends (pure library).
 * See docs/cose.md for the strictness rules and the choices behind them.
 */
export { CoseError, CoseErrorCode, type CoseErrorCodeValue } from './cose.errors.js';
export { decodeCbor, DEFAULT_MAX_SIZE, DEFAULT_MAX_DEPTH, type DecodeCborOptions } from './cbor.decode.js';
export { CborWriter, encodeCbor } from './cbor.encode.js';
export { Tagged } from './cbor.tagged.js';
export { HeaderLabel, CwtClaim, Alg, type HeaderMap, type CwtClaims, getAlg, getCwtClaims, checkCrit, checkHeaderMap } from './cose.headers.js';
export { KeyType, Curve, type CurveInfo, curveById, curveForAlg, isSupportedAlg } from './cose.algorithms.js';
export { COSE_SIGN1_TAG, type CoseSign1, type DecodeSign1Options, decodeSign1, decodeProtectedHeader, encodeSign1, sigStructure1, withSigStructure1 } from './sign1.codec.js';
export {
  type CoseKey,
  KeyLabel,
  checkCoseKey,
  encodeCoseKey,
  decodeCoseKey,
  coseKeyFromMap,
  coseKeyToMap,
  publicKey,
  coseKeyThumbprint,
  encodeCoseKeySet,
  decodeCoseKeySet,
} from './cose-key.codec.js';
export { type JsonWebKey, coseKeyToJwk, jwkToCoseKey } from './cose-key.jwk.js';
export type { CryptoBackend } from './crypto.backend.js';
export { nodeCryptoBackend, createNodeCryptoBackend } from './node.backend.js';
export { nobleBackend } from './noble.backend.js';
export { publicKeyFromCertificate } from './x509.keys.js';
export { signSign1, verifySign1, type SignSign1Options, type VerifySign1Options } from './sign1.sign.js';
export { toHex, fromHex, toBase64Url, fromBase64Url, bytesEqual, compareBytes, nodeBufferOf } from './bytes.js';
export { MAX_X5CHAIN_LENGTH, isHashEnvelope, payloadContentType, x5chainOf } from './statement.headers.js';
