/** Keys from X.509 certificates (node:crypto's X509Certificate parses the DER). */
import { X509Certificate } from 'node:crypto';
import { CoseError, CoseErrorCode } from './cose.errors.js';
import type { CoseKey } from './cose-key.codec.js';
import { jwkToCoseKey, type JsonWebKey } from './cose-key.jwk.js';

/**
 * The public key of an X.509 certificate (DER), e.g. the leaf of an `x5chain` header, as a COSE_Key.
 * Does not validate the certificate or its chain.
 *
 * @throws CoseError ERR_COSE_BAD_KEY (not a certificate, or an unsupported key type)
 */
export function publicKeyFromCertificate(der: Uint8Array): CoseKey {
  let jwk: JsonWebKey;
  try {
    jwk = new X509Certificate(der).publicKey.export({ format: 'jwk' }) as JsonWebKey;
  } catch (e) {
    throw new CoseError(CoseErrorCode.CoseBadKey, `couldn't read the certificate's public key: ${(e as Error)?.message}`, { cause: e });
  }
  return jwkToCoseKey(jwk);
}
