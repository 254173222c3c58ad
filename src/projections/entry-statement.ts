/**
 * An entry's COSE_Sign1, decoded once per event however many projections read it: the projections
 * apply one batch together (projection.store.ts `applyBatches`) and each needs the statement's
 * headers or payload. Keyed weakly by the entry's bytes, so it lives as long as the event does.
 */
import { decodeSign1, type CoseSign1 } from '../../libs/cose/src/index.js';

const decoded = new WeakMap<Uint8Array, CoseSign1 | { readonly error: unknown }>();

/** The entry's statement; throws (every time) what `decodeSign1` threw. */
export function entryStatement(entry: Uint8Array): CoseSign1 {
  let d = decoded.get(entry);
  if (!d) {
    try {
      d = decodeSign1(entry, { byteStrings: 'view' }); // the entry is an event's, never changed: its parts need no copies
    } catch (error) {
      d = { error };
    }
    decoded.set(entry, d);
  }
  if ('error' in d) throw d.error;
  return d;
}
