/**
 * A strict CBOR decoder (RFC 8949) for COSE: definite lengths only, no duplicate map keys,
 * shortest-form heads, UTF-8 checked, no trailing bytes, bounded size and depth. It never throws
 * anything but a {@link CoseError}, and it never allocates more than the input can justify.
 */
import { Tagged } from './cbor.tagged.js';
import { CoseError, CoseErrorCode } from './cose.errors.js';
import { toHex, utf8Decoder } from './bytes.js';

/** Options for {@link decodeCbor}. */
export interface DecodeCborOptions {
  /** Largest accepted input in bytes (default {@link DEFAULT_MAX_SIZE}). */
  maxSize?: number;
  /** Deepest accepted nesting of arrays, maps and tags (default {@link DEFAULT_MAX_DEPTH}). */
  maxDepth?: number;
  /** Decode every map to a `Map`, even one whose keys are all text strings (default false). */
  mapsAsMaps?: boolean;
  /** Accept integers, lengths and tags in a longer head than needed (default false: ERR_CBOR_NON_MINIMAL). */
  allowNonMinimal?: boolean;
  /**
   * What to do with a floating-point item (half, single or double precision, NaN and ±Infinity
   * included): `'allow'` (default) decodes it to a `number`; `'reject'` fails with
   * ERR_CBOR_FLOAT_NOT_ALLOWED. A decoded float is indistinguishable from an integer once it is a
   * JS number (`-7.0` would read as alg `-7`), so the COSE decoders use `'reject'`.
   */
  floats?: 'allow' | 'reject';
  /**
   * Byte strings as `'copy'` (default): each in memory of its own, whatever the input (a Buffer's
   * `slice` would be a view); or as `'view'`: subarrays of `bytes`, no allocation, for a caller
   * that keeps `bytes` unchanged for as long as it uses the result, which then holds all of
   * `bytes` in memory (an ArrayBuffer of its own costs ≈ 2–4 µs of CPU to allocate and free:
   * docs/benchmarks.md, #17 seventeenth pass).
   */
  byteStrings?: 'copy' | 'view';
}

/** 16 MiB: the default input size limit. */
export const DEFAULT_MAX_SIZE = 16 * 1024 * 1024;
/** The default nesting limit. */
export const DEFAULT_MAX_DEPTH = 64;

const TWO_32 = 2 ** 32;

function fail(code: (typeof CoseErrorCode)[keyof typeof CoseErrorCode], why: string, at: number): never {
  throw new CoseError(code, `couldn't decode CBOR: ${why} at offset ${at}`);
}

function decodeHalf(h: number): number {
  const sign = h >= 0x8000 ? -1 : 1;
  const exp = Math.floor(h / 1024) % 32;
  const mant = h % 1024;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxDepth: number,
    private readonly mapsAsMaps: boolean,
    private readonly allowNonMinimal: boolean,
    private readonly rejectFloats: boolean,
    private readonly byteViews: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number, at: number): void {
    if (n > this.bytes.length - this.pos) fail(CoseErrorCode.CborMalformed, `truncated input (need ${n} more bytes, ${this.bytes.length - this.pos} left)`, at);
  }

  /** Reads the argument of a head with additional info 24..27 (the initial byte already consumed). */
  private argument(ai: number, major: number, start: number): number | bigint {
    if (ai < 24) return ai;
    let v: number | bigint;
    let min: number;
    switch (ai) {
      case 24:
        this.need(1, start);
        v = this.bytes[this.pos]!;
        this.pos += 1;
        min = 24;
        break;
      case 25:
        this.need(2, start);
        v = this.view.getUint16(this.pos);
        this.pos += 2;
        min = 256;
        break;
      case 26:
        this.need(4, start);
        v = this.view.getUint32(this.pos);
        this.pos += 4;
        min = 65536;
        break;
      case 27: {
        this.need(8, start);
        const hi = this.view.getUint32(this.pos);
        const lo = this.view.getUint32(this.pos + 4);
        this.pos += 8;
        v = hi < 0x200000 ? hi * TWO_32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
        min = TWO_32;
        break;
      }
      case 31:
        if (major >= 2 && major <= 5) fail(CoseErrorCode.CborIndefiniteLength, 'indefinite-length item', start);
        return fail(CoseErrorCode.CborMalformed, `indefinite length is not allowed for major type ${major}`, start);
      default:
        return fail(CoseErrorCode.CborMalformed, `reserved additional information ${ai}`, start);
    }
    if (!this.allowNonMinimal && typeof v === 'number' && v < min) fail(CoseErrorCode.CborNonMinimal, `value ${v} is not in its shortest form`, start);
    return v;
  }

  private length(v: number | bigint, start: number): number {
    if (typeof v === 'bigint' || !Number.isSafeInteger(v)) fail(CoseErrorCode.CborTooLarge, `declared length ${v} is beyond 2^53 - 1`, start);
    return v;
  }

  item(depth: number): unknown {
    const start = this.pos;
    this.need(1, start);
    const ib = this.bytes[this.pos]!;
    this.pos += 1;
    const major = ib >> 5;
    const ai = ib & 0x1f;
    if (major === 7) return this.simple(ai, start);
    const arg = this.argument(ai, major, start);
    switch (major) {
      case 0:
        return arg;
      case 1:
        return typeof arg === 'number' && arg < Number.MAX_SAFE_INTEGER ? -1 - arg : -1n - BigInt(arg);
      case 2: {
        const n = this.length(arg, start);
        this.need(n, start);
        const raw = this.bytes.subarray(this.pos, this.pos + n);
        this.pos += n;
        if (this.byteViews) return raw;
        const out = new Uint8Array(n);
        out.set(raw);
        return out;
      }
      case 3: {
        const n = this.length(arg, start);
        this.need(n, start);
        const raw = this.bytes.subarray(this.pos, this.pos + n);
        this.pos += n;
        try {
          return utf8Decoder.decode(raw);
        } catch (e) {
          throw new CoseError(CoseErrorCode.CborMalformed, `couldn't decode CBOR: text string is not valid UTF-8 at offset ${start}`, { cause: e });
        }
      }
      case 4: {
        const n = this.length(arg, start);
        this.need(n, start); // every element takes at least one byte
        if (depth >= this.maxDepth) fail(CoseErrorCode.CborTooLarge, `nesting deeper than ${this.maxDepth}`, start);
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = this.item(depth + 1);
        return out;
      }
      case 5:
        return this.map(this.length(arg, start), depth, start);
      case 6: {
        if (typeof arg !== 'number' || !Number.isSafeInteger(arg)) fail(CoseErrorCode.CborMalformed, `tag number ${arg} is too large`, start);
        if (depth >= this.maxDepth) fail(CoseErrorCode.CborTooLarge, `nesting deeper than ${this.maxDepth}`, start);
        return new Tagged(arg, this.item(depth + 1));
      }
      default:
        return fail(CoseErrorCode.CborMalformed, `unknown major type ${major}`, start);
    }
  }

  private map(n: number, depth: number, start: number): unknown {
    if (n > (this.bytes.length - this.pos) / 2) fail(CoseErrorCode.CborMalformed, `truncated input (map of ${n} entries)`, start);
    if (depth >= this.maxDepth) fail(CoseErrorCode.CborTooLarge, `nesting deeper than ${this.maxDepth}`, start);
    const keys = new Array<unknown>(n);
    const values = new Array<unknown>(n);
    const seenRaw = new Set<string>();
    const seen = new Set<unknown>();
    let allText = true;
    for (let i = 0; i < n; i++) {
      const keyStart = this.pos;
      const k = this.item(depth + 1);
      if (typeof k === 'object' && k !== null) {
        // Structured keys compare by their encoded bytes (equal items encode equally once minimal).
        const raw = toHex(this.bytes.subarray(keyStart, this.pos));
        if (seenRaw.has(raw)) fail(CoseErrorCode.CborDuplicateKey, 'duplicate map key', keyStart);
        seenRaw.add(raw);
      } else {
        if (seen.has(k)) fail(CoseErrorCode.CborDuplicateKey, `duplicate map key ${typeof k === 'string' ? JSON.stringify(k) : String(k)}`, keyStart);
        seen.add(k);
      }
      if (typeof k !== 'string') allText = false;
      keys[i] = k;
      values[i] = this.item(depth + 1);
    }
    if (allText && !this.mapsAsMaps) {
      const o: Record<string, unknown> = {};
      // defineProperty: a "__proto__" key becomes an own property, never the prototype.
      for (let i = 0; i < n; i++) Object.defineProperty(o, keys[i] as string, { value: values[i], enumerable: true, writable: true, configurable: true });
      return o;
    }
    const m = new Map<unknown, unknown>();
    for (let i = 0; i < n; i++) m.set(keys[i], values[i]);
    return m;
  }

  private float(width: string, start: number): never {
    return fail(CoseErrorCode.CborFloatNotAllowed, `a ${width}-precision float is not allowed here`, start);
  }

  private simple(ai: number, start: number): unknown {
    switch (ai) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 24: {
        this.need(1, start);
        const v = this.bytes[this.pos]!;
        this.pos += 1;
        if (v < 32) fail(CoseErrorCode.CborMalformed, `simple value ${v} in a two-byte form`, start);
        return fail(CoseErrorCode.CborMalformed, `unassigned simple value ${v}`, start);
      }
      case 25: {
        this.need(2, start);
        if (this.rejectFloats) this.float('half', start);
        const v = decodeHalf(this.view.getUint16(this.pos));
        this.pos += 2;
        return v;
      }
      case 26: {
        this.need(4, start);
        if (this.rejectFloats) this.float('single', start);
        const v = this.view.getFloat32(this.pos);
        this.pos += 4;
        return v;
      }
      case 27: {
        this.need(8, start);
        if (this.rejectFloats) this.float('double', start);
        const v = this.view.getFloat64(this.pos);
        this.pos += 8;
        return v;
      }
      case 31:
        return fail(CoseErrorCode.CborMalformed, 'unexpected break', start);
      default:
        if (ai < 20) return fail(CoseErrorCode.CborMalformed, `unassigned simple value ${ai}`, start);
        return fail(CoseErrorCode.CborMalformed, `reserved additional information ${ai}`, start);
    }
  }
}

/**
 * Decodes exactly one CBOR data item, strictly.
 *
 * Output types: unsigned/negative integers → `number` (or `bigint` outside ±(2^53 - 1)); byte
 * strings → `Uint8Array` copies (never views into `bytes`, unless `byteStrings: 'view'`); text → `string`; arrays → arrays;
 * maps → a plain object when every key is a text string (and `mapsAsMaps` is off), else a `Map`
 * (integer keys stay numbers); tags → {@link Tagged}; floats → `number` (or refused with
 * `floats: 'reject'`); simple values false/true/null/undefined. Other simple values are rejected.
 *
 * @throws CoseError ERR_CBOR_MALFORMED, ERR_CBOR_TRAILING_BYTES, ERR_CBOR_DUPLICATE_KEY,
 *   ERR_CBOR_INDEFINITE_LENGTH, ERR_CBOR_NON_MINIMAL, ERR_CBOR_TOO_LARGE,
 *   ERR_CBOR_FLOAT_NOT_ALLOWED (only with `floats: 'reject'`)
 * @example
 *   decodeCbor(Uint8Array.of(0xa2, 0x01, 0x26, 0x04, 0x42, 0x31, 0x31)) // Map { 1 => -7, 4 => Uint8Array [0x31, 0x31] }
 */
export function decodeCbor(bytes: Uint8Array, opts: DecodeCborOptions = {}): unknown {
  if (!(bytes instanceof Uint8Array)) throw new CoseError(CoseErrorCode.CborMalformed, "couldn't decode CBOR: input is not a Uint8Array");
  const maxSize = opts.maxSize ?? DEFAULT_MAX_SIZE;
  if (bytes.length > maxSize) throw new CoseError(CoseErrorCode.CborTooLarge, `couldn't decode CBOR: input of ${bytes.length} bytes is larger than the limit of ${maxSize}`);
  const r = new Reader(bytes, opts.maxDepth ?? DEFAULT_MAX_DEPTH, opts.mapsAsMaps ?? false, opts.allowNonMinimal ?? false, opts.floats === 'reject', opts.byteStrings === 'view');
  let value: unknown;
  try {
    value = r.item(0);
  } catch (e) {
    if (e instanceof CoseError) throw e;
    // Only a stack overflow (an absurd maxDepth) can land here.
    throw new CoseError(CoseErrorCode.CborTooLarge, `couldn't decode CBOR: ${(e as Error).message}`, { cause: e });
  }
  if (r.pos !== bytes.length) fail(CoseErrorCode.CborTrailingBytes, `${bytes.length - r.pos} bytes after the data item`, r.pos);
  return value;
}
