/**
 * A strict DER (X.690 §10) reader: definite, minimal lengths; low tag numbers only; nothing read
 * past its enclosing element; trailing bytes refused. Every failure is an `ERR_X509_MALFORMED`
 * {@link X509Error} naming what was being read and the byte offset — never a crash or a silent
 * partial read. Pure: no Node APIs.
 */
import { X509Error } from './x509.error.js';

export const DerTag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
} as const;

/** One element: its tag, its content, and the whole encoding (tag, length and content). */
export interface DerElement {
  readonly tag: number;
  readonly content: Uint8Array;
  readonly encoded: Uint8Array;
  /** absolute offset of the tag byte in the outermost input */
  readonly offset: number;
}

const malformed = (what: string, offset: number): X509Error => new X509Error('ERR_X509_MALFORMED', `malformed DER: ${what} (at byte ${offset})`);

const hexTag = (tag: number): string => `0x${tag.toString(16).padStart(2, '0')}`;

/** Reads the elements of one constructed element's content (or of a whole input) in order. */
export class DerReader {
  private pos = 0;

  /** @param base absolute offset of `bytes[0]`, for error messages */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly base = 0,
  ) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** The next element's tag, or undefined at the end. */
  peekTag(): number | undefined {
    return this.done ? undefined : this.bytes[this.pos];
  }

  /** Read the next element; it must have `tag` when given. */
  read(what: string, tag?: number): DerElement {
    const start = this.pos;
    const at = this.base + start;
    if (this.done) throw malformed(`${what} is missing`, at);
    const t = this.bytes[start]!;
    if ((t & 0x1f) === 0x1f) throw malformed(`${what} has a high tag number, which no certificate field uses`, at);
    if (tag !== undefined && t !== tag) throw malformed(`${what}: expected tag ${hexTag(tag)}, found ${hexTag(t)}`, at);
    let p = start + 1;
    if (p >= this.bytes.length) throw malformed(`${what} has no length`, at);
    const first = this.bytes[p++]!;
    let length = first;
    if (first === 0x80) throw malformed(`${what} has an indefinite length`, at);
    if (first > 0x80) {
      const n = first & 0x7f;
      if (n > 4) throw malformed(`${what} declares a ${n}-byte length`, at);
      if (p + n > this.bytes.length) throw malformed(`${what} has a truncated length`, at);
      if (this.bytes[p] === 0) throw malformed(`${what} has a length with a leading zero byte`, at);
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + this.bytes[p++]!;
      if (length < 0x80) throw malformed(`${what} uses the long form for a length under 128`, at);
    }
    if (length > this.bytes.length - p) throw malformed(`${what} declares ${length} content bytes, ${this.bytes.length - p} remain`, at);
    this.pos = p + length;
    return { tag: t, content: this.bytes.subarray(p, p + length), encoded: this.bytes.subarray(start, p + length), offset: at };
  }

  /** Read the next element only if it has `tag`. */
  optional(what: string, tag: number): DerElement | undefined {
    return this.peekTag() === tag ? this.read(what, tag) : undefined;
  }

  /** A reader over a constructed element's content. */
  static of(e: DerElement): DerReader {
    return new DerReader(e.content, e.offset + (e.encoded.length - e.content.length));
  }

  /** Refuse trailing bytes after the last expected element. */
  end(what: string): void {
    if (!this.done) throw malformed(`${this.bytes.length - this.pos} unexpected byte(s) after ${what}`, this.base + this.pos);
  }
}

/** Read exactly one element of `tag` spanning all of `bytes`. */
export function readOne(bytes: Uint8Array, what: string, tag: number, base = 0): DerElement {
  const r = new DerReader(bytes, base);
  const e = r.read(what, tag);
  r.end(what);
  return e;
}

export function decodeBoolean(e: DerElement, what: string): boolean {
  if (e.content.length !== 1 || (e.content[0] !== 0x00 && e.content[0] !== 0xff)) throw malformed(`${what} is not a DER BOOLEAN (one byte, 00 or ff)`, e.offset);
  return e.content[0] === 0xff;
}

/** A non-negative INTEGER that fits a safe integer. */
export function decodeUnsigned(e: DerElement, what: string): number {
  const c = e.content;
  if (c.length === 0) throw malformed(`${what} is an empty INTEGER`, e.offset);
  if (c.length > 1 && ((c[0] === 0x00 && (c[1]! & 0x80) === 0) || (c[0] === 0xff && (c[1]! & 0x80) !== 0))) throw malformed(`${what} is a non-minimal INTEGER`, e.offset);
  if ((c[0]! & 0x80) !== 0) throw malformed(`${what} is negative`, e.offset);
  if (c.length > 7) throw malformed(`${what} is too large`, e.offset);
  let v = 0;
  for (const b of c) v = v * 256 + b;
  if (!Number.isSafeInteger(v)) throw malformed(`${what} is too large`, e.offset);
  return v;
}

/** Dotted OBJECT IDENTIFIER (X.690 §8.19), minimal sub-identifiers. */
export function decodeOid(e: DerElement, what: string): string {
  const c = e.content;
  if (c.length === 0) throw malformed(`${what} is an empty OBJECT IDENTIFIER`, e.offset);
  const arcs: number[] = [];
  let v = 0;
  let fresh = true;
  for (const b of c) {
    if (fresh && b === 0x80) throw malformed(`${what} has a non-minimal sub-identifier`, e.offset);
    fresh = false;
    v = v * 128 + (b & 0x7f);
    if (!Number.isSafeInteger(v)) throw malformed(`${what} has a sub-identifier that is too large`, e.offset);
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0;
      fresh = true;
    }
  }
  if (!fresh) throw malformed(`${what} ends inside a sub-identifier`, e.offset);
  const head = arcs[0]!;
  const [a, b] = head < 40 ? [0, head] : head < 80 ? [1, head - 40] : [2, head - 80];
  return [a, b, ...arcs.slice(1)].join('.');
}

/** BIT STRING content: the bytes and the number of unused (zero) bits in the last byte. */
export function decodeBitString(e: DerElement, what: string): { bytes: Uint8Array; unused: number } {
  const c = e.content;
  if (c.length === 0) throw malformed(`${what} is an empty BIT STRING`, e.offset);
  const unused = c[0]!;
  if (unused > 7 || (c.length === 1 && unused !== 0)) throw malformed(`${what} declares ${unused} unused bits`, e.offset);
  const bytes = c.subarray(1);
  if (bytes.length > 0 && (bytes[bytes.length - 1]! & ((1 << unused) - 1)) !== 0) throw malformed(`${what} has unused bits that are not zero`, e.offset);
  return { bytes, unused };
}
