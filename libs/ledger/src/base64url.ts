/** base64url without padding (RFC 4648 §5), the binary encoding of our JSON events. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

export function fromBase64Url(text: string): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) {
    throw new TypeError('not a base64url string');
  }
  return new Uint8Array(Buffer.from(text, 'base64url'));
}
