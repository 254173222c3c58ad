/**
 * Where the log holds an entry id or a statement id: a table in memory from the id's first 32 bits
 * to the log indexes of the entries whose id starts with them. The log index (log-index.store.ts)
 * keeps one for entry ids and one for statement ids in place of two SQLite indexes on the random
 * 64-hex ids: each such index turned every registration into a write of one random b-tree page
 * (≈ 3 of the 4.6 WAL pages an entry cost in batches of 5), for data the log can keep in 8 bytes.
 *
 * It answers candidates, never a verdict: the caller reads each candidate's row by index and
 * compares the whole id, so ids sharing 32 bits (≈ 1 in 4·10⁹ pairs, or ground on purpose) cost an
 * extra row read, never a wrong answer. No candidate means the log does not hold the id (nearly
 * every registration asks for a statement the log has never seen: ≈ 0.1 µs, no SQLite).
 *
 * Open addressing with linear probing, at most 3/4 full, 8 bytes a slot: the id's first 32 bits and
 * index + 1 (0: empty). Sized for what it is told to expect (2/3 full then) and grown by half, not
 * doubled: the slot is the first 32 bits times a random odd number, scaled to the table's length
 * (`⌊h · slots / 2³²⌋`), so any length works; ids ground to share a slot without sharing all 32 bits
 * (to make probe runs long) need that secret. 10⁶ entries opened: 2 tables of 1.5·10⁶ slots, 24 MB
 * (a power-of-two length, as before, took 2²¹ slots: 32 MB).
 *
 * Ids are SHA-256 in lowercase hex; anything else (a query for a made-up id) is hashed as a string
 * (FNV-1a) instead, so it finds only what was added under the same string.
 */
import { randomInt } from 'node:crypto';

const MIN_SLOTS = 4096;

/** Slots for `n` ids: 2/3 full. */
const slotsFor = (n: number): number => Math.max(MIN_SLOTS, Math.ceil((n * 3) / 2));

/** The first 32 bits of a 64-digit lowercase hex id, or −1 when `id` is not one. */
function leadingBits(id: string): number {
  if (id.length !== 64) return -1;
  let w = 0;
  for (let j = 0; j < 8; j++) {
    const c = id.charCodeAt(j);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return -1;
    w = (w << 4) | d;
  }
  return w >>> 0;
}

/** FNV-1a over the UTF-16 code units: the key of an id that is not lowercase hex. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The 32-bit key the table files `id` under. */
export function idKey(id: string): number {
  const k = leadingBits(id);
  return k >= 0 ? k : fnv1a(id);
}

export class IdLocator {
  #keys: Uint32Array;
  #at: Uint32Array;
  #count = 0;
  readonly #multiplier = (randomInt(0, 2 ** 31) * 2 + 1) >>> 0;

  /** `expected`: about how many ids it will hold (sized so it need not grow until then). */
  constructor(expected = 0) {
    const slots = slotsFor(expected);
    this.#keys = new Uint32Array(slots);
    this.#at = new Uint32Array(slots);
  }

  get size(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#keys.byteLength + this.#at.byteLength;
  }

  /** Files log index `index` under `key` ({@link idKey} of its id). */
  addKey(key: number, index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= 0xffffffff) throw new RangeError(`log index ${index} out of the locator's range`);
    if ((this.#count + 1) * 4 > this.#keys.length * 3) this.#grow();
    this.#put(key >>> 0, index + 1);
    this.#count++;
  }

  add(id: string, index: number): void {
    this.addKey(idKey(id), index);
  }

  /** The log indexes filed under `id`'s key, ascending (usually none or one). */
  candidates(id: string): number[] {
    const key = idKey(id);
    const slots = this.#keys.length;
    const out: number[] = [];
    for (let s = this.#slot(key); this.#at[s] !== 0; s = s + 1 === slots ? 0 : s + 1) if (this.#keys[s] === key) out.push(this.#at[s]! - 1);
    return out.length > 1 ? out.sort((a, b) => a - b) : out;
  }

  #slot(key: number): number {
    // exact in a double: < 2³² · 2³² / 2³²
    return Math.floor(((Math.imul(key, this.#multiplier) >>> 0) * this.#keys.length) / 2 ** 32);
  }

  #put(key: number, at: number): void {
    const slots = this.#keys.length;
    let s = this.#slot(key);
    while (this.#at[s] !== 0) s = s + 1 === slots ? 0 : s + 1;
    this.#keys[s] = key;
    this.#at[s] = at;
  }

  #grow(): void {
    const keys = this.#keys;
    const at = this.#at;
    const slots = Math.ceil((keys.length * 3) / 2);
    this.#keys = new Uint32Array(slots);
    this.#at = new Uint32Array(slots);
    for (let s = 0; s < keys.length; s++) if (at[s] !== 0) this.#put(keys[s]!, at[s]!);
  }
}
