/**
 * A deterministic CBOR encoder: RFC 8949 §4.2.1 "core deterministic encoding".
 * Shortest heads, map keys sorted bytewise by their encoding, definite lengths only,
 * floats in the shortest form that keeps the value, no implicit tags (no 64 for bytes, no 259 for maps).
 */
import { Tagged } from './cbor.tagged.js';
import { CoseError, CoseErrorCode } from './cose.errors.js';
import { compareBytes, bytesEqual, utf8Encoder } from './bytes.js';

const MAX_ENCODE_DEPTH = 256;
const TWO_32 = 2 ** 32;
const MAX_U64 = (1n << 64n) - 1n;
const LONE_SURROGATE = /\p{Cs}/u;

function unsupported(why: string): never {
  throw new CoseError(CoseErrorCode.CborUnsupportedType, `couldn't encode CBOR: ${why}`);
}

/** The IEEE 754 half-precision bits of `v` when `v` (already float32-exact) fits one exactly. */
function halfBits(v: number): number | undefined {
  if (Number.isNaN(v)) return 0x7e00;
  if (v === 0) return Object.is(v, -0) ? 0x8000 : 0;
  if (!Number.isFinite(v)) return v > 0 ? 0x7c00 : 0xfc00;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a > 65504) return undefined;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  if (2 ** (e + 1) <= a) e += 1;
  if (e >= -14) {
    const mant = (a / 2 ** e - 1) * 1024;
    return Number.isInteger(mant) ? sign + (e + 15) * 1024 + mant : undefined;
  }
  const mant = a / 2 ** -24;
  return Number.isInteger(mant) && mant < 1024 ? sign + mant : undefined;
}

/**
 * Spare output buffers, reused by the writers one after another: an ArrayBuffer with memory of its
 * own costs ≈ 0.9 µs to allocate, sweep and free, and a writer that starts small and grows made up
 * to four of them per encoding (docs/benchmarks.md, #17 eleventh pass). Encoding is synchronous, so
 * a buffer goes back when its writer finishes; nested writers (map keys) take another one.
 */
const spares: { buf: Uint8Array; view: DataView }[] = [];
const SPARE_MIN = 4096;
/** larger buffers are left to the garbage collector: a 16 MiB statement must not stay pinned */
const SPARE_MAX = 256 * 1024;
const SPARES_KEPT = 8;

function takeSpare(capacity: number): { buf: Uint8Array; view: DataView } {
  for (let i = spares.length - 1; i >= 0; i--) {
    const s = spares[i]!;
    if (s.buf.length < capacity) continue;
    spares[i] = spares[spares.length - 1]!;
    spares.pop();
    return s;
  }
  let size = SPARE_MIN;
  while (size < capacity) size *= 2;
  const buf = new Uint8Array(size);
  return { buf, view: new DataView(buf.buffer) };
}

function giveBack(spare: { buf: Uint8Array; view: DataView }): void {
  if (spare.buf.length <= SPARE_MAX && spares.length < SPARES_KEPT) spares.push(spare);
}

const FINISHED = { buf: new Uint8Array(0), view: new DataView(new ArrayBuffer(0)) };

/** A finished writer was used again: a bug in the caller, not bad input (hence not a CoseError). */
function finished(): never {
  throw new TypeError("couldn't write CBOR: the writer is finished (its buffer went back for reuse)");
}

/**
 * A growable output buffer, on a reused spare: {@link finish} (or {@link finishWith}) copies the
 * bytes out, or lends them, and gives the spare back; the writer takes no writes after it.
 */
export class CborWriter {
  private spare: { buf: Uint8Array; view: DataView };
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(capacity = 256) {
    this.spare = takeSpare(capacity);
    this.buf = this.spare.buf;
    this.view = this.spare.view;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.spare === FINISHED) finished();
    const next = takeSpare(this.pos + n);
    next.buf.set(this.buf.subarray(0, this.pos));
    giveBack(this.spare);
    this.spare = next;
    this.buf = next.buf;
    this.view = next.view;
  }

  /** Writes a head of major type `major` with argument `n` in its shortest form. */
  head(major: number, n: number | bigint): void {
    const mt = major * 32;
    if (typeof n === 'bigint') {
      if (n < 0n || n > MAX_U64) unsupported(`integer ${n} is outside the 64-bit range`);
      if (n <= BigInt(Number.MAX_SAFE_INTEGER)) return this.head(major, Number(n));
      this.ensure(9);
      this.buf[this.pos] = mt + 27;
      this.view.setBigUint64(this.pos + 1, n);
      this.pos += 9;
      return;
    }
    if (n < 24) {
      this.ensure(1);
      this.buf[this.pos++] = mt + n;
    } else if (n < 256) {
      this.ensure(2);
      this.buf[this.pos] = mt + 24;
      this.buf[this.pos + 1] = n;
      this.pos += 2;
    } else if (n < 65536) {
      this.ensure(3);
      this.buf[this.pos] = mt + 25;
      this.view.setUint16(this.pos + 1, n);
      this.pos += 3;
    } else if (n < TWO_32) {
      this.ensure(5);
      this.buf[this.pos] = mt + 26;
      this.view.setUint32(this.pos + 1, n);
      this.pos += 5;
    } else {
      this.ensure(9);
      this.buf[this.pos] = mt + 27;
      this.view.setUint32(this.pos + 1, Math.floor(n / TWO_32));
      this.view.setUint32(this.pos + 5, n % TWO_32);
      this.pos += 9;
    }
  }

  /** The number of bytes written so far. */
  get length(): number {
    return this.pos;
  }

  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  bytes(b: Uint8Array): void {
    this.head(2, b.length);
    this.raw(b);
  }

  text(s: string): void {
    const n = s.length;
    let ascii = n <= 256;
    for (let i = 0; ascii && i < n; i++) ascii = s.charCodeAt(i) < 0x80;
    if (ascii) {
      // Short ASCII (labels, URIs, content types): write the bytes directly.
      this.head(3, n);
      this.ensure(n);
      for (let i = 0; i < n; i++) this.buf[this.pos + i] = s.charCodeAt(i);
      this.pos += n;
      return;
    }
    if (LONE_SURROGATE.test(s)) unsupported('text string holds a lone surrogate (not valid UTF-8)');
    const b = utf8Encoder.encode(s);
    this.head(3, b.length);
    this.raw(b);
  }

  float(v: number): void {
    const h = Math.fround(v) === v || Number.isNaN(v) ? halfBits(v) : undefined;
    if (h !== undefined) {
      this.ensure(3);
      this.buf[this.pos] = 0xf9;
      this.view.setUint16(this.pos + 1, h);
      this.pos += 3;
    } else if (Math.fround(v) === v) {
      this.ensure(5);
      this.buf[this.pos] = 0xfa;
      this.view.setFloat32(this.pos + 1, v);
      this.pos += 5;
    } else {
      this.ensure(9);
      this.buf[this.pos] = 0xfb;
      this.view.setFloat64(this.pos + 1, v);
      this.pos += 9;
    }
  }

  value(v: unknown, depth: number): void {
    if (depth > MAX_ENCODE_DEPTH) unsupported(`nesting deeper than ${MAX_ENCODE_DEPTH} (a cycle?)`);
    switch (typeof v) {
      case 'number':
        if (Number.isSafeInteger(v)) return v >= 0 ? this.head(0, v) : this.head(1, -1 - v);
        return this.float(v);
      case 'bigint':
        return v >= 0n ? this.head(0, v) : this.head(1, -1n - v);
      case 'string':
        return this.text(v);
      case 'boolean':
        return this.head(7, v ? 21 : 20);
      case 'undefined':
        return this.head(7, 23);
      case 'object':
        break;
      default:
        return unsupported(`a ${typeof v} has no CBOR form`);
    }
    if (v === null) return this.head(7, 22);
    if (v instanceof Uint8Array) return this.bytes(v);
    if (Array.isArray(v)) {
      this.head(4, v.length);
      for (const x of v) this.value(x, depth + 1);
      return;
    }
    if (v instanceof Map) return this.map([...v.entries()], depth);
    if (v instanceof Tagged) {
      if (!Number.isSafeInteger(v.tag) || v.tag < 0) unsupported(`tag ${v.tag} is not a non-negative safe integer`);
      this.head(6, v.tag);
      return this.value(v.value, depth + 1);
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      return this.map(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined), depth);
    }
    return unsupported(`${(v as object).constructor?.name ?? 'object'} has no CBOR form (use Uint8Array, Array, Map, plain objects or Tagged)`);
  }

  private map(entries: [unknown, unknown][], depth: number): void {
    const keyed = entries.map(([k, x]) => ({ key: encodeKey(k, depth + 1), value: x }));
    keyed.sort((a, b) => compareBytes(a.key, b.key));
    for (let i = 1; i < keyed.length; i++) {
      if (bytesEqual(keyed[i - 1]!.key, keyed[i]!.key)) throw new CoseError(CoseErrorCode.CborDuplicateKey, "couldn't encode CBOR: two map keys have the same encoding");
    }
    this.head(5, keyed.length);
    for (const e of keyed) {
      this.raw(e.key);
      this.value(e.value, depth + 1);
    }
  }

  /** The bytes written, in a new array of their own. */
  finish(): Uint8Array {
    return this.finishWith((bytes) => bytes.slice());
  }

  /**
   * Hands the bytes written to `use` without copying them, then gives the buffer back: `use` must
   * be done with them when it returns (hash them, copy them), as the next writer overwrites them.
   */
  finishWith<T>(use: (bytes: Uint8Array) => T): T {
    if (this.spare === FINISHED) finished();
    const spare = this.spare;
    this.spare = FINISHED;
    this.buf = FINISHED.buf;
    this.view = FINISHED.view;
    try {
      return use(spare.buf.subarray(0, this.pos));
    } finally {
      giveBack(spare);
    }
  }
}

/** Map keys are mostly small integers (COSE labels): encode those without a writer. */
const SMALL_INT_KEYS = Array.from({ length: 48 }, (_, i) => Uint8Array.of(i < 24 ? i : 0x20 + (i - 24)));
function encodeKey(k: unknown, depth: number): Uint8Array {
  if (typeof k === 'number' && Number.isInteger(k) && k >= -24 && k < 24 && !Object.is(k, -0)) return SMALL_INT_KEYS[k >= 0 ? k : 23 - k]!;
  return encodeCborInternal(k, depth, 16);
}

function encodeCborInternal(value: unknown, depth: number, capacity = 256): Uint8Array {
  const w = new CborWriter(capacity);
  w.value(value, depth);
  return w.finish();
}

/**
 * Encodes a value as deterministic CBOR (RFC 8949 §4.2.1).
 *
 * Input types: safe integers → major 0/1 in shortest form; `bigint` → integer (up to ±2^64, for
 * values ≥ 2^53 use bigint); other numbers → the shortest float (half/single/double) that keeps
 * the value; `string` → text; `Uint8Array` → byte string (no tag); arrays; `Map` and plain objects
 * → maps with keys sorted by their encoded bytes (object entries whose value is `undefined` are
 * left out); {@link Tagged} → tag; `true`/`false`/`null`/`undefined`.
 *
 * @throws CoseError ERR_CBOR_UNSUPPORTED_TYPE for other values, ERR_CBOR_DUPLICATE_KEY when two Map
 *   keys encode the same (e.g. `1` and `1n`)
 * @example
 *   encodeCbor(new Map([[4, new Uint8Array([0x31])], [1, -7]])) // a2 01 26 04 41 31
 */
export function encodeCbor(value: unknown): Uint8Array {
  return encodeCborInternal(value, 0);
}
