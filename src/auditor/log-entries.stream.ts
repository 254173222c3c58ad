/**
 * `GET /log/entries` as a stream: a page is bounded by count (`limit`) AND by bytes
 * (`PAGE_MAX_BYTES`): it ends before the item that would take the body past the bound (the first
 * item always fits) and `next` says where to continue. Entries are read from the log index in
 * chunks of about {@link CHUNK_BYTES}, serialised and written one chunk at a time, yielding the
 * event loop between chunks — so a page of large entries neither builds a giant string nor keeps
 * other requests (health checks, registrations) waiting for more than a few milliseconds.
 */
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { LogIndexStore } from '../log/log-index.store.js';
import type { LogEntryItem } from './auditor.queries.js';
import { b64url } from './query-params.js';

/** Raw entry bytes read and serialised per turn of the event loop (≈ 1–3 ms of work). */
export const CHUNK_BYTES = 256 * 1024;
/** Rows planned per size lookup. */
const PLAN_ROWS = 256;
/** `],"next":<up to 16 digits>}` */
const TAIL_BYTES = 30;

export type EntriesSource = Pick<LogIndexStore, 'entriesFrom' | 'entrySizesFrom'>;

/** How many of the rows (sizes in bytes) to read in one turn: about CHUNK_BYTES of base64, at least one row. */
function chunkRows(sizes: readonly { bytes: number }[]): number {
  let n = 0;
  let est = 0;
  for (const s of sizes) {
    if (n > 0 && est + s.bytes > CHUNK_BYTES) break;
    est += s.bytes;
    n++;
  }
  return n;
}

/**
 * The JSON body `{"items":[…],"next":n|null}` of entries `[start, min(start + limit, size))`
 * (size: the log size the caller validated `start` against), at most `maxBytes` long unless its
 * single first item is larger.
 */
export function logEntriesStream(src: EntriesSource, o: { start: number; limit: number; size: number; maxBytes: number }): Readable {
  const end = Math.min(o.start + o.limit, o.size);
  async function* body(): AsyncGenerator<string> {
    yield '{"items":[';
    let bytes = '{"items":['.length + TAIL_BYTES;
    let i = o.start;
    let items = 0;
    let full = false;
    while (i < end && !full) {
      const rows = src.entriesFrom(i, chunkRows(src.entrySizesFrom(i, Math.min(end - i, PLAN_ROWS))));
      if (rows.length === 0) break; // cannot happen below `size`; never loop on it
      let out = '';
      for (const r of rows) {
        const item: LogEntryItem = { index: r.index, entryId: r.entryId, entry: b64url(r.entry), iss: r.iss, sub: r.sub, contentType: r.contentType, kid: r.kid, registeredAt: r.registeredAt };
        const json = (items > 0 ? ',' : '') + JSON.stringify(item);
        const add = Buffer.byteLength(json);
        if (items > 0 && bytes + add > o.maxBytes) {
          full = true;
          break;
        }
        out += json;
        bytes += add;
        items++;
        i++;
      }
      if (out) yield out;
      if (!full && i < end) await nextTurn();
    }
    yield `],"next":${i < o.size ? i : 'null'}}`;
  }
  return Readable.from(body(), { objectMode: false });
}
