/** Browser stand-in for libs/cose's node:crypto certificate key import (web/build.mjs swaps it in). */
import type { CoseKey } from '../../../libs/cose/src/cose-key.codec.js';

export function publicKeyFromCertificate(_der: Uint8Array): CoseKey {
  throw new Error("couldn't read a certificate key with Node's crypto in a browser");
}
