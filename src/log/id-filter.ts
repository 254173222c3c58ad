/**
 * Which entry and statement ids the log may hold: a Bloom filter over both, kept by the log index's
 * writer, so that registration's dedupe lookup and the sequencer's batch check skip SQLite for a
 * statement the log has never seen (nearly every one). A point query on the log index cost ≈ 30 µs
 * of the event loop per registration in the paced bench (read transaction, two index descents);
 * the filter answers in well under 1 µs.
 *
 * An answer "no" is certain; "maybe" (≈ 1 % of new ids: 10 bits and 7 probes per id) only means
 * the caller asks SQLite as before. Ids are SHA-256 outputs in hex, so the probes are taken from
 * the id itself (its first 28 hex digits: 7 for the block, then 3 for each bit in it); a caller who wanted false positives would have to
 * grind signatures for them, and would only win the lookup everyone paid before.
 *
 * The filter grows by segments (each twice the last) instead of being rebuilt, so the writer never
 * rescans the log. An id that is not 64 characters is always "maybe".
 */
const BITS_PER_ID = 10;
const PROBES = 7;
const MIN_BITS_LOG2 = 20;

/**
 * One Bloom filter of `2^bitsLog2` bits, blocked: an id's probes all fall in one 512-bit block (one
 * cache line), so a lookup touches one cache line instead of seven; the false-positive rate rises
 * from ≈ 0.8 % to ≈ 1 %.
 */
class Segment {
  readonly words: Uint32Array;
  readonly blockMask: number;
  readonly capacity: number;
  count = 0;

  constructor(readonly bitsLog2: number) {
    this.words = new Uint32Array(2 ** (bitsLog2 - 5));
    this.blockMask = 2 ** (bitsLog2 - 9) - 1;
    this.capacity = Math.floor(2 ** bitsLog2 / BITS_PER_ID);
  }

  add(id: string): void {
    this.visit(id, true);
    this.count++;
  }

  has(id: string): boolean {
    return this.visit(id, false);
  }

  /** The id's seven bits, set (`set`) or only tested: true when all of them were set already. */
  private visit(id: string, set: boolean): boolean {
    const base = (hexAt(id, 0, 7) & this.blockMask) * 16;
    let all = true;
    for (let i = 0; i < PROBES; i++) {
      const bit = hexAt(id, 7 + 3 * i, 3) & 511;
      const w = base + (bit >>> 5);
      const mask = 1 << (bit & 31);
      if ((this.words[w]! & mask) !== 0) continue;
      if (!set) return false;
      all = false;
      this.words[w]! |= mask;
    }
    return all;
  }
}

/** The number written by `n` (≤ 7) hex digits of `id` from `from` (a small integer: no heap number). */
function hexAt(id: string, from: number, n: number): number {
  let w = 0;
  for (let j = from, end = from + n; j < end; j++) {
    const c = id.charCodeAt(j);
    w = (w << 4) | ((c <= 57 ? c - 48 : (c | 32) - 87) & 15);
  }
  return w;
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
 * Fills `filter` from the log index, then marks it ready. Each reader lists one kind of id in
 * order, after a given one (a scan of a covering index: the entries' bytes are never read), in
 * chunks of `chunk`, pausing between chunks at least `pauseMs` and twice as long as the chunk took,
 * so a large log is loaded in the background with a third of the event loop at most (10⁶ entries:
 * ≈ 2 s of CPU, ready after ≈ 6 s; registrations meanwhile ask SQLite). Ids written meanwhile are added by the writer itself, so nothing is missed. A read
 * that throws (the index was closed) leaves the filter not ready: every answer stays "maybe".
 */
export async function loadIdFilter(
  filter: IdFilter,
  readers: readonly ((after: string, n: number) => string[])[],
  opts: { readonly chunk?: number; readonly pauseMs?: number } = {},
): Promise<void> {
  const chunk = opts.chunk ?? 5_000;
  const pauseMs = opts.pauseMs ?? 2;
  let worked = 0;
  for (const read of readers) {
    let after = '';
    for (;;) {
      // at most a third of the event loop's time (a chunk of 5,000 ids ≈ 3–6 ms)
      await new Promise<void>((resolve) => setTimeout(resolve, Math.max(pauseMs, 2 * worked)));
      const started = performance.now();
      let ids;
      try {
        ids = read(after, chunk);
      } catch {
        return;
      }
      for (const id of ids) filter.add(id);
      worked = performance.now() - started;
      if (ids.length < chunk) break;
      after = ids[ids.length - 1]!;
    }
  }
  filter.markReady();
}
