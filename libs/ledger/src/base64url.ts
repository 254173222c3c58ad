/** base64url without padding (RFC 4648 §5), the binary encoding of our JSON events. */
export function toBase64Url(bytes: Uint8Array): string {
  // up to 64 bytes (hashes, signatures) V8 keeps a typed array in its heap, and its `buffer` would
  // move it out (an ArrayBuffer of its own): those are copied into Buffer's pool instead (cose toHex)
  return (bytes.byteLength <= 64 ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('base64url');
}

export function fromBase64Url(text: string): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) {
    throw new TypeError('not a base64url string');
  }
  return new Uint8Array(Buffer.from(text, 'base64url'));
}
