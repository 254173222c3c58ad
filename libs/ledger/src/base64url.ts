import { nodeBufferOf } from '../../cose/src/index.js';

/** base64url without padding (RFC 4648 §5), the binary encoding of our JSON events. */
export function toBase64Url(bytes: Uint8Array): string {
  return nodeBufferOf(bytes).toString('base64url'); // a hash stays in V8's heap
}

export function fromBase64Url(text: string): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) {
    throw new TypeError('not a base64url string');
  }
  return new Uint8Array(Buffer.from(text, 'base64url'));
}
