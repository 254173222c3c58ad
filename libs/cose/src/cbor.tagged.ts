/**
 * A CBOR tag (major type 6) around a value: what {@link decodeCbor} returns for every tag, and what
 * {@link encodeCbor} turns into a tag head. No tag is interpreted (no Date, no bignum decoding).
 *
 * @example
 *   encodeCbor(new Tagged(18, [new Uint8Array(0), new Map(), null, new Uint8Array(0)])) // d2 84 40 a0 f6 40
 */
export class Tagged {
  constructor(
    readonly tag: number,
    readonly value: unknown,
  ) {}
}
