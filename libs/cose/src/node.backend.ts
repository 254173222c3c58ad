/**
 * The node:crypto (OpenSSL) backend: ~30× faster than @noble/curves for ES256 verify. Signing and
 * verifying use the callback form, which runs on the libuv threadpool, off the event loop (a
 * verify may run on the calling thread instead: {@link NodeBackendOptions.inline}).
 * KeyObjects are cached (createPublicKey costs about as much as a verify).
 */
import { createPrivateKey, createPublicKey, generateKeyPair, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { curveById, curveForAlg, type CurveInfo, defaultCurve, KeyType } from './cose.algorithms.js';
import { CoseError, CoseErrorCode } from './cose.errors.js';
import { checkCoseKey, type CoseKey } from './cose-key.codec.js';
import { coseKeyToJwk, jwkToCoseKey, type JsonWebKey } from './cose-key.jwk.js';
import { toHex } from './bytes.js';
import type { CryptoBackend } from './crypto.backend.js';

/** How many public KeyObjects the node backend keeps (least recently used are dropped). */
const PUBLIC_KEY_CACHE_SIZE = 4096;

function keyError(e: unknown): never {
  if (e instanceof CoseError) throw e;
  throw new CoseError(CoseErrorCode.CoseBadKey, `couldn't import key into node:crypto: ${(e as Error)?.message}`, { cause: e });
}

function publicJwk(k: CoseKey): JsonWebKey {
  return coseKeyToJwk(k.y ? { kty: k.kty, crv: k.crv, x: k.x, y: k.y } : { kty: k.kty, crv: k.crv, x: k.x });
}

/** How a node:crypto backend runs its verifications. */
export interface NodeBackendOptions {
  /**
   * Asked before each verify, with the size of what is signed: true runs it synchronously on the
   * calling thread instead of the libuv threadpool. A hand-off to the pool and back costs about as
   * much CPU as the verify itself when the pool's thread has to be woken for it (docs/benchmarks.md,
   * issue #17 tenth pass).
   */
  readonly inline?: (bytes: number) => boolean;
}

/** Creates a node:crypto backend with its own KeyObject caches. */
export function createNodeCryptoBackend(opts: NodeBackendOptions = {}): CryptoBackend {
  const inline = opts.inline;
  const publicKeys = new Map<string, KeyObject>();
  const privateKeys = new WeakMap<CoseKey, KeyObject>();

  const publicKeyObject = (k: CoseKey): KeyObject => {
    const id = `${k.crv}:${toHex(k.x)}:${k.y ? toHex(k.y) : ''}`;
    let ko = publicKeys.get(id);
    if (ko) {
      publicKeys.delete(id); // refresh LRU position
      publicKeys.set(id, ko);
      return ko;
    }
    try {
      ko = createPublicKey({ key: publicJwk(k) as import('node:crypto').JsonWebKey, format: 'jwk' });
    } catch (e) {
      keyError(e);
    }
    if (publicKeys.size >= PUBLIC_KEY_CACHE_SIZE) publicKeys.delete(publicKeys.keys().next().value!);
    publicKeys.set(id, ko);
    return ko;
  };

  const privateKeyObject = (k: CoseKey): KeyObject => {
    let ko = privateKeys.get(k);
    if (ko) return ko;
    try {
      const { kid: _kid, alg: _alg, ...jwk } = coseKeyToJwk(k);
      ko = createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    } catch (e) {
      keyError(e);
    }
    privateKeys.set(k, ko);
    return ko;
  };

  const keyInput = (curve: CurveInfo, ko: KeyObject) => (curve.hash ? { key: ko, dsaEncoding: 'ieee-p1363' as const } : ko);

  return {
    name: 'node',
    // node:crypto's one-shot sign and verify copy data and signature into the job when it is
    // created (the inline path runs synchronously): nothing is read after the call returns
    readsInputAtCall: true,
    sign(alg, key, toBeSigned) {
      return new Promise((resolve, reject) => {
        const curve = curveForAlg(alg, checkCoseKey(key), true);
        const ko = privateKeyObject(key);
        nodeSign(curve.hash ?? null, toBeSigned, keyInput(curve, ko), (err, sig) => {
          if (err) reject(new CoseError(CoseErrorCode.CoseBadKey, `couldn't sign with node:crypto: ${err.message}`, { cause: err }));
          else resolve(new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength));
        });
      });
    },
    verify(alg, key, toBeSigned, signature) {
      return new Promise((resolve) => {
        const curve = curveForAlg(alg, checkCoseKey(key));
        const ko = publicKeyObject(key);
        if (signature.length !== curve.sigSize) return resolve(false);
        // An OpenSSL error here means a malformed signature: that is "does not verify".
        if (inline?.(toBeSigned.length)) {
          try {
            return resolve(nodeVerify(curve.hash ?? null, toBeSigned, keyInput(curve, ko), signature));
          } catch {
            return resolve(false);
          }
        }
        nodeVerify(curve.hash ?? null, toBeSigned, keyInput(curve, ko), signature, (err, ok) => resolve(!err && ok));
      });
    },
    generateKey(alg) {
      return new Promise((resolve, reject) => {
        const curve = curveById(defaultCurve(alg))!;
        const done = (err: Error | null, _pub: KeyObject, priv: KeyObject) => {
          if (err) return reject(new CoseError(CoseErrorCode.CoseBadKey, `couldn't generate a ${curve.name} key: ${err.message}`, { cause: err }));
          resolve({ ...jwkToCoseKey(priv.export({ format: 'jwk' }) as JsonWebKey), alg });
        };
        if (curve.kty === KeyType.OKP) generateKeyPair('ed25519', {}, done);
        else generateKeyPair('ec', { namedCurve: curve.name }, done);
      });
    },
  };
}

/**
 * The node:crypto backend (the default for {@link signSign1} and {@link verifySign1}).
 *
 * @example
 *   const key = await nodeCryptoBackend.generateKey(Alg.ES256);
 */
export const nodeCryptoBackend: CryptoBackend = createNodeCryptoBackend();

