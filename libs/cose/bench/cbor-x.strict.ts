/**
 * The contender in the CBOR bake-off (test/bench/cbor.bakeoff.bench.ts, docs/cose.md): cbor-x behind the
 * checks that make it a drop-in for `decodeCbor` / `encodeCbor`, with the same signatures, the same
 * output shapes and the same `CoseError` codes, so the project's CBOR strictness suite
 * (libs/cose/src/cbor.*.unit.spec.ts) can run against it (`CBOR_CODEC=cbor-x`).
 *
 * Decode = a well-formedness scan of the raw bytes (what cbor-x accepts but RFC 8949 §4.2.1 and
 * RFC 9052 §9 do not: indefinite lengths, duplicate keys, non-shortest heads, trailing bytes,
 * unassigned simple values, bad UTF-8, floats where refused, size and depth limits) → cbor-x's
 * decoder (tags it would interpret — dates, bignums, sets, typed arrays, shared references,
 * records — registered back to plain tags) → a pass that gives the own decoder's shapes (byte
 * strings copied, not views; integers as numbers within ±(2^53 − 1); text-keyed maps as objects).
 *
 * Encode = a pass that refuses what the own encoder refuses and prepares what cbor-x would encode
 * non-deterministically (map keys sorted by their encoding, integers beyond 2^32 as bigint, small
 * bigints as numbers, −0 as 0, Tagged as cbor-x tags) → cbor-x's encoder with the COSE-safe
 * options of notes/measured-facts.
 *
 * Bench code only: nothing in the product imports it.
 */
import { cborx, type CborTag } from './cbor-x.loader.js';
import { compareBytes } from '../src/bytes.js';
import { CoseError, CoseErrorCode, Tagged, type DecodeCborOptions } from '../src/index.js';

const { Decoder, Encoder, Tag, addExtension } = cborx;
type Tag = CborTag;

type Code = (typeof CoseErrorCode)[keyof typeof CoseErrorCode];
const fail = (code: Code, why: string, at: number): never => {
  throw new CoseError(code, `couldn't decode CBOR: ${why} at offset ${at}`);
};
const TWO_32 = 2 ** 32;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const STRUCTURED = Symbol('structured');

function half(h: number): number {
  const sign = h >= 0x8000 ? -1 : 1;
  const exp = Math.floor(h / 1024) % 32;
  const mant = h % 1024;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Throws the own decoder's CoseError for anything it would refuse; decodes nothing. */
function checkWellFormed(bytes: Uint8Array, opts: DecodeCborOptions): void {
  const maxSize = opts.maxSize ?? 16 * 1024 * 1024;
  if (bytes.length > maxSize) throw new CoseError(CoseErrorCode.CborTooLarge, `couldn't decode CBOR: input of ${bytes.length} bytes is larger than the limit of ${maxSize}`);
  const maxDepth = opts.maxDepth ?? 64;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const need = (n: number, at: number): void => {
    if (n > bytes.length - pos) fail(CoseErrorCode.CborMalformed, 'truncated input', at);
  };
  const argument = (ai: number, major: number, start: number): number | bigint => {
    if (ai < 24) return ai;
    let v: number | bigint;
    let min: number;
    if (ai === 24) {
      need(1, start);
      [v, min] = [bytes[pos]!, 24];
    } else if (ai === 25) {
      need(2, start);
      [v, min] = [view.getUint16(pos), 256];
    } else if (ai === 26) {
      need(4, start);
      [v, min] = [view.getUint32(pos), 65536];
    } else if (ai === 27) {
      need(8, start);
      const hi = view.getUint32(pos);
      const lo = view.getUint32(pos + 4);
      [v, min] = [hi < 0x200000 ? hi * TWO_32 + lo : (BigInt(hi) << 32n) | BigInt(lo), TWO_32];
    } else if (ai === 31) return fail(major >= 2 && major <= 5 ? CoseErrorCode.CborIndefiniteLength : CoseErrorCode.CborMalformed, 'indefinite length', start);
    else return fail(CoseErrorCode.CborMalformed, `reserved additional information ${ai}`, start);
    pos += 2 ** (ai - 24);
    if (!opts.allowNonMinimal && typeof v === 'number' && v < min) fail(CoseErrorCode.CborNonMinimal, `value ${v} is not in its shortest form`, start);
    return v;
  };
  const length = (v: number | bigint, start: number): number => (typeof v === 'bigint' || !Number.isSafeInteger(v) ? fail(CoseErrorCode.CborTooLarge, 'declared length beyond 2^53 - 1', start) : v);
  /** Scans one item; returns its value when it is a primitive (for duplicate keys), else STRUCTURED. */
  const item = (depth: number): unknown => {
    const start = pos;
    need(1, start);
    const ib = bytes[pos++]!;
    const major = ib >> 5;
    const ai = ib & 0x1f;
    if (major === 7) {
      if (ai >= 20 && ai <= 23) return [false, true, null, undefined][ai - 20];
      if (ai === 24) {
        need(1, start);
        return fail(CoseErrorCode.CborMalformed, 'unassigned simple value', start);
      }
      if (ai >= 25 && ai <= 27) {
        need(2 ** (ai - 24), start);
        if (opts.floats === 'reject') fail(CoseErrorCode.CborFloatNotAllowed, 'a float is not allowed here', start);
        const f = ai === 25 ? half(view.getUint16(pos)) : ai === 26 ? view.getFloat32(pos) : view.getFloat64(pos);
        pos += 2 ** (ai - 24);
        return f;
      }
      return fail(CoseErrorCode.CborMalformed, ai === 31 ? 'unexpected break' : `simple value ${ai}`, start);
    }
    const arg = argument(ai, major, start);
    if (major === 0) return arg;
    if (major === 1) return typeof arg === 'number' && arg < Number.MAX_SAFE_INTEGER ? -1 - arg : -1n - BigInt(arg);
    if (major === 2 || major === 3) {
      const n = length(arg, start);
      need(n, start);
      pos += n;
      if (major === 2) return STRUCTURED;
      try {
        return strictUtf8.decode(bytes.subarray(pos - n, pos));
      } catch {
        return fail(CoseErrorCode.CborMalformed, 'text string is not valid UTF-8', start);
      }
    }
    if (major === 4) {
      const n = length(arg, start);
      need(n, start);
      if (depth >= maxDepth) fail(CoseErrorCode.CborTooLarge, 'nesting too deep', start);
      for (let i = 0; i < n; i++) item(depth + 1);
      return STRUCTURED;
    }
    if (major === 5) {
      const n = length(arg, start);
      if (n > (bytes.length - pos) / 2) fail(CoseErrorCode.CborMalformed, 'truncated input', start);
      if (depth >= maxDepth) fail(CoseErrorCode.CborTooLarge, 'nesting too deep', start);
      const seen = new Set<unknown>();
      const seenRaw = new Set<string>();
      for (let i = 0; i < n; i++) {
        const keyStart = pos;
        const k = item(depth + 1);
        const [set, id] = k === STRUCTURED ? [seenRaw as Set<unknown>, Buffer.from(bytes.subarray(keyStart, pos)).toString('hex')] : [seen, k];
        if (set.has(id)) fail(CoseErrorCode.CborDuplicateKey, 'duplicate map key', keyStart);
        set.add(id);
        item(depth + 1);
      }
      return STRUCTURED;
    }
    if (typeof arg !== 'number' || !Number.isSafeInteger(arg)) fail(CoseErrorCode.CborMalformed, 'tag number too large', start);
    if (depth >= maxDepth) fail(CoseErrorCode.CborTooLarge, 'nesting too deep', start);
    item(depth + 1);
    return STRUCTURED;
  };
  try {
    item(0);
  } catch (e) {
    if (e instanceof CoseError) throw e;
    throw new CoseError(CoseErrorCode.CborTooLarge, `couldn't decode CBOR: ${(e as Error).message}`, { cause: e });
  }
  if (pos !== bytes.length) fail(CoseErrorCode.CborTrailingBytes, `${bytes.length - pos} bytes after the data item`, pos);
}

// Tags cbor-x interprets by default become plain tags again (generic CBOR: tags are never interpreted),
// including its packed-value ranges 216–255 and 27647–32767 (the range from 1879048192 can't be listed).
const interpreted = [0, 1, 2, 3, 4, 5, 6, 14, 15, 27, 28, 29, 51, 64, 68, 69, 70, 71, 72, 77, 78, 79, 85, 86, 105, 258, 259, 0xdff9, 0xdffe, 0xdfff];
for (let t = 216; t <= 255; t++) interpreted.push(t);
for (let t = 27647; t <= 32767; t++) interpreted.push(t);
for (const tag of interpreted) {
  addExtension({ tag, decode: (value: unknown) => new Tag(value, tag) } as never);
}
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false, int64AsType: 'bigint' } as never);

/** cbor-x's output in the own decoder's shapes. */
function normalize(v: unknown, mapsAsMaps: boolean): unknown {
  if (typeof v === 'bigint') return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (v instanceof Uint8Array) return new Uint8Array(v); // a copy, never a view into the input
  if (Array.isArray(v)) return v.map((x) => normalize(x, mapsAsMaps));
  if (v instanceof Tag) return new Tagged(v.tag, normalize(v.value, mapsAsMaps));
  if (v instanceof Map) {
    const entries = [...v].map(([k, x]) => [normalize(k, mapsAsMaps), normalize(x, mapsAsMaps)] as const);
    if (!mapsAsMaps && entries.every(([k]) => typeof k === 'string')) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of entries) Object.defineProperty(o, k as string, { value: x, enumerable: true, writable: true, configurable: true });
      return o;
    }
    return new Map(entries);
  }
  return v;
}

/** `decodeCbor` with cbor-x inside. */
export function decodeCbor(bytes: Uint8Array, opts: DecodeCborOptions = {}): unknown {
  if (!(bytes instanceof Uint8Array)) throw new CoseError(CoseErrorCode.CborMalformed, "couldn't decode CBOR: input is not a Uint8Array");
  checkWellFormed(bytes, opts);
  return normalize(decoder.decode(bytes), opts.mapsAsMaps ?? false);
}

const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, useTag259ForMaps: false, tagUint8Array: false, variableMapSize: true } as never);
const unsupported = (why: string): never => {
  throw new CoseError(CoseErrorCode.CborUnsupportedType, `couldn't encode CBOR: ${why}`);
};

/** The value prepared for cbor-x: refusals of the own encoder, then deterministic choices made explicit. */
function prepare(v: unknown, depth: number, seen: Set<object>): unknown {
  if (depth > 256) unsupported('nesting too deep');
  switch (typeof v) {
    case 'number':
      if (Object.is(v, -0)) return 0;
      return Number.isSafeInteger(v) && (v >= TWO_32 || v < -TWO_32) ? BigInt(v) : v;
    case 'bigint':
      if (v > (1n << 64n) - 1n || v < -(1n << 64n)) unsupported('integer beyond 64 bits');
      return v >= -BigInt(TWO_32) && v < BigInt(TWO_32) ? Number(v) : v;
    case 'string':
      if (/\p{Cs}/u.test(v)) unsupported('string with a lone surrogate');
      return v;
    case 'boolean':
    case 'undefined':
      return v;
    case 'object':
      break;
    default:
      return unsupported(`type ${typeof v}`);
  }
  if (v === null) return null;
  if (seen.has(v)) unsupported('cycle');
  seen.add(v);
  try {
    if (v instanceof Uint8Array && (v.constructor === Uint8Array || Buffer.isBuffer(v))) return v;
    if (Array.isArray(v)) return v.map((x) => prepare(x, depth + 1, seen));
    if (v instanceof Tagged) return Number.isSafeInteger(v.tag) && v.tag >= 0 ? new Tag(prepare(v.value, depth + 1, seen), v.tag) : unsupported(`tag number ${v.tag}`);
    let entries: [unknown, unknown][];
    if (v instanceof Map) entries = [...v];
    else if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) entries = Object.entries(v).filter(([, x]) => x !== undefined);
    else return unsupported(`a ${(v as object).constructor?.name ?? 'class'} instance`);
    const keyed = entries.map(([k, x]) => {
      const pk = prepare(k, depth + 1, seen);
      return { key: encoder.encode(pk) as Uint8Array, pk, x: prepare(x, depth + 1, seen) };
    });
    keyed.sort((a, b) => compareBytes(a.key, b.key));
    for (let i = 1; i < keyed.length; i++) {
      if (compareBytes(keyed[i - 1]!.key, keyed[i]!.key) === 0) throw new CoseError(CoseErrorCode.CborDuplicateKey, "couldn't encode CBOR: two map keys with one encoding");
    }
    return new Map(keyed.map((e) => [e.pk, e.x]));
  } finally {
    seen.delete(v);
  }
}

/** `encodeCbor` with cbor-x inside. */
export function encodeCbor(value: unknown): Uint8Array {
  return new Uint8Array(encoder.encode(prepare(value, 0, new Set())) as Uint8Array); // a copy: cbor-x reuses its buffer
}
