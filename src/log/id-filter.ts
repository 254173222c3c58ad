/**
 * Which entry and statement ids the log may hold: a Bloom filter over both, kept by the log index's
 * writer, so that registration's dedupe lookup and the sequencer's batch check skip SQLite for a
 * statement the log has never seen (nearly every one). A point query on the log index cost ≈ 30 µs
 * of the event loop per registration in the paced bench (read transaction, two index descents);
 * the filter answers in well under 1 µs.
 *
 * An answer "no" is certain; "maybe" (≈ 0.8 % of new ids: 10 bits and 7 probes per id) only means
 * the caller asks SQLite as before. Ids are SHA-256 outputs in hex, so the probes are taken from
 * the id itself (seven of its 32-bit words); a caller who wanted false positives would have to
 * grind signatures for them, and would only win the lookup everyone paid before.
 *
 * The filter grows by segments (each twice the last) instead of being rebuilt, so the writer never
 * rescans the log. An id that is not 64 characters is always "maybe".
 */
const BITS_PER_ID = 10;
const PROBES = 7;
const MIN_BITS_LOG2 = 20;

class Segment {
  readonly words: Uint32Array;
  readonly mask: number;
  readonly capacity: number;
  count = 0;

  constructor(readonly bitsLog2: number) {
    this.words = new Uint32Array(2 ** (bitsLog2 - 5));
    this.mask = 2 ** bitsLog2 - 1;
    this.capacity = Math.floor(2 ** bitsLog2 / BITS_PER_ID);
  }

  add(id: string): void {
    for (let i = 0; i < PROBES; i++) {
      const bit = (word(id, i) & this.mask) >>> 0;
      this.words[bit >>> 5]! |= 1 << (bit & 31);
    }
    this.count++;
  }

  has(id: string): boolean {
    for (let i = 0; i < PROBES; i++) {
      const bit = (word(id, i) & this.mask) >>> 0;
      if ((this.words[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/** The `i`th 32-bit word of a hex id (8 characters from `8 i`). */
function word(id: string, i: number): number {
  let w = 0;
  for (let j = i * 8, end = j + 8; j < end; j++) {
    const c = id.charCodeAt(j);
    w = (w << 4) | ((c <= 57 ? c - 48 : (c | 32) - 87) & 15);
  }
  return w >>> 0;
}

export class IdFilter {
  readonly #segments: Segment[];
  #ready = false;

  /** `expectedIds`: about how many ids the first segment should hold (the log's size × 2 at start). */
  constructor(expectedIds = 0) {
    this.#segments = [new Segment(Math.max(MIN_BITS_LOG2, Math.ceil(Math.log2(Math.max(1, expectedIds) * BITS_PER_ID * 1.25))))];
  }

  /** True once every id the log held when loading began was added ({@link markReady}); until then every answer is "maybe". */
  get ready(): boolean {
    return this.#ready;
  }

  markReady(): void {
    this.#ready = true;
  }

  /** How many ids were added, and the filter's size in bytes. */
  get stats(): { ids: number; bytes: number; segments: number } {
    return { ids: this.#segments.reduce((n, s) => n + s.count, 0), bytes: this.#segments.reduce((n, s) => n + s.words.byteLength, 0), segments: this.#segments.length };
  }

  add(id: string): void {
    if (id.length !== 64) return; // always "maybe" (see mightHold)
    let last = this.#segments[this.#segments.length - 1]!;
    if (last.count >= last.capacity) this.#segments.push((last = new Segment(last.bitsLog2 + 1)));
    last.add(id);
  }

  /** False only when the id was certainly never added (and the filter is ready). */
  mightHold(id: string): boolean {
    if (!this.#ready || id.length !== 64) return true;
    for (const s of this.#segments) if (s.has(id)) return true;
    return false;
  }
}

/**
 * Fills `filter` from the log index in chunks of `chunk` rows, yielding to the event loop between
 * chunks (≈ 10⁶ entries take a second or two in the background; registrations meanwhile ask SQLite),
 * then marks it ready. Ids written meanwhile are added by the writer itself, so nothing is missed.
 * `readIds(fromIndex, n)` returns the ids of entries `fromIndex …` in index order; a read that
 * throws (the index was closed) leaves the filter not ready: every answer stays "maybe".
 */
export async function loadIdFilter(filter: IdFilter, readIds: (fromIndex: number, n: number) => { idx: number; entryId: string; statementId: string }[], chunk = 20_000): Promise<void> {
  let from = 0;
  for (;;) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    let rows;
    try {
      rows = readIds(from, chunk);
    } catch {
      return;
    }
    for (const r of rows) {
      filter.add(r.entryId);
      filter.add(r.statementId);
    }
    if (rows.length < chunk) break;
    from = rows[rows.length - 1]!.idx + 1;
  }
  filter.markReady();
}
