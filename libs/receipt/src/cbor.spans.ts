/**
 * Byte spans of CBOR data items, for splicing COSE messages without re-encoding them. Only used
 * on input that the strict decoder has already accepted (definite lengths, shortest heads), so
 * it assumes well-formed CBOR but still bounds-checks every read.
 */

/** A half-open byte range [start, end) of one data item. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

class SpanError extends Error {}

function need(bytes: Uint8Array, pos: number, n: number): void {
  if (n > bytes.length - pos) throw new SpanError(`truncated CBOR at offset ${pos}`);
}

/** Reads a head at `pos`: returns major type, argument and the offset after the head. */
export function readHead(bytes: Uint8Array, pos: number): { major: number; arg: number; next: number } {
  need(bytes, pos, 1);
  const ib = bytes[pos]!;
  const major = Math.floor(ib / 32);
  const ai = ib % 32;
  if (ai < 24) return { major, arg: ai, next: pos + 1 };
  const width = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0;
  if (width === 0) throw new SpanError(`indefinite length or reserved head at offset ${pos}`);
  need(bytes, pos + 1, width);
  let arg = 0;
  for (let i = 0; i < width; i++) arg = arg * 256 + bytes[pos + 1 + i]!;
  if (!Number.isSafeInteger(arg)) throw new SpanError(`argument beyond 2^53 - 1 at offset ${pos}`);
  return { major, arg, next: pos + 1 + width };
}

/** The offset just past the data item that starts at `pos`. */
export function itemEnd(bytes: Uint8Array, pos: number): number {
  const { major, arg, next } = readHead(bytes, pos);
  switch (major) {
    case 0:
    case 1:
    case 7:
      return next;
    case 2:
    case 3:
      need(bytes, next, arg);
      return next + arg;
    case 4: {
      let p = next;
      for (let i = 0; i < arg; i++) p = itemEnd(bytes, p);
      return p;
    }
    case 5: {
      let p = next;
      for (let i = 0; i < arg; i++) p = itemEnd(bytes, itemEnd(bytes, p));
      return p;
    }
    default: // 6: a tag, then its content
      return itemEnd(bytes, next);
  }
}

/**
 * The spans of the four elements of a COSE_Sign1 array (after an optional tag 18), as they sit
 * in `bytes`. Throws a plain Error on malformed input (callers decode strictly first).
 */
export function sign1Spans(bytes: Uint8Array): [Span, Span, Span, Span] {
  try {
    let pos = 0;
    let h = readHead(bytes, pos);
    if (h.major === 6) {
      pos = h.next;
      h = readHead(bytes, pos);
    }
    if (h.major !== 4 || h.arg !== 4) throw new SpanError('not a 4-element array');
    pos = h.next;
    const spans: Span[] = [];
    for (let i = 0; i < 4; i++) {
      const end = itemEnd(bytes, pos);
      spans.push({ start: pos, end });
      pos = end;
    }
    if (pos !== bytes.length) throw new SpanError(`${bytes.length - pos} trailing bytes`);
    return spans as [Span, Span, Span, Span];
  } catch (e) {
    throw new Error(`couldn't locate the COSE_Sign1 elements: ${(e as Error).message}`, { cause: e });
  }
}
