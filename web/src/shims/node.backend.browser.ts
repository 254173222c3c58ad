/**
 * Browser stand-in for libs/cose's node:crypto backend (web/build.mjs swaps it in). The explorer
 * always passes `nobleBackend`; reaching this is a bug, and it says so instead of loading node:crypto.
 */
import type { CryptoBackend } from '../../../libs/cose/src/crypto.backend.js';

function unavailable(): never {
  throw new Error("couldn't sign or verify with Node's crypto in a browser: pass nobleBackend");
}

export const nodeCryptoBackend: CryptoBackend = { name: 'node (unavailable)', sign: unavailable, verify: unavailable, generateKey: unavailable };
export const createNodeCryptoBackend = (): CryptoBackend => nodeCryptoBackend;
