/** Small byte helpers (internal; no Node Buffer needed, so the library also runs in a browser). */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

type NodeBufferLike = Uint8Array & { toString(encoding: 'hex' | 'base64url'): string };

/** Node's Buffer where there is one: its hex encoder is native (a proof's 20 hashes: docs/benchmarks.md, fifth pass). */
const NodeBuffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, offset: number, length: number): NodeBufferLike; from(b: Uint8Array): NodeBufferLike } }).Buffer;

/** typed arrays of up to this many bytes made in JS (hashes, signatures) are kept in V8's heap */
const IN_HEAP_MAX = 64;

/**
 * `b` as a Node Buffer (for a native encoder, or a binding such as SQLite's), without moving a small
 * array out of V8's heap: asking one for its `buffer` gives it an ArrayBuffer of its own (≈ 0.9 µs to
 * allocate, sweep and free; docs/benchmarks.md, #17 eleventh pass), so arrays of up to 64 bytes are
 * copied into Buffer's shared pool and larger ones are viewed. Node only (throws without Buffer).
 */
export function nodeBufferOf(b: Uint8Array): NodeBufferLike {
  if (!NodeBuffer) throw new TypeError("nodeBufferOf needs Node's Buffer");
  return b.byteLength <= IN_HEAP_MAX ? NodeBuffer.from(b) : NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export function toHex(b: Uint8Array): string {
  return NodeBuffer ? nodeBufferOf(b).toString('hex') : portableHex(b);
}

/** {@link toHex} without Buffer (browsers); exported for the test that both agree. */
export function portableHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError(`not a hex string: ${hex.slice(0, 32)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_INDEX = new Map<string, number>([...B64URL].map((c, i) => [c, i]));

/** base64url without padding (RFC 4648 §5), as JWK uses. */
export function toBase64Url(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = b[i]! * 65536 + b[i + 1]! * 256 + b[i + 2]!;
    s += B64URL[Math.floor(n / 262144)]! + B64URL[Math.floor(n / 4096) % 64]! + B64URL[Math.floor(n / 64) % 64]! + B64URL[n % 64]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]!;
    s += B64URL[Math.floor(n / 4)]! + B64URL[(n % 4) * 16]!;
  } else if (rest === 2) {
    const n = b[i]! * 256 + b[i + 1]!;
    s += B64URL[Math.floor(n / 1024)]! + B64URL[Math.floor(n / 16) % 64]! + B64URL[(n % 16) * 4]!;
  }
  return s;
}

/** Strict base64url decoding (no padding, no whitespace, canonical trailing bits). */
export function fromBase64Url(s: string): Uint8Array {
  if (s.length % 4 === 1) throw new TypeError('not base64url: bad length');
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (const c of s) {
    const v = B64URL_INDEX.get(c);
    if (v === undefined) throw new TypeError(`not base64url: unexpected character ${JSON.stringify(c)}`);
    acc = acc * 64 + v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const div = 2 ** bits;
      out[o++] = Math.floor(acc / div);
      acc %= div;
    }
  }
  if (acc !== 0) throw new TypeError('not base64url: non-zero trailing bits');
  return out.subarray(0, o);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Byte equality (for public values: roots, proofs, headers — not constant-time). The project's one copy. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bytewise lexicographic order (RFC 8949 §4.2.1 key order). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export const utf8Encoder = new TextEncoder();
export const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
