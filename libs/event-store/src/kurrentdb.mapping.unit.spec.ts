/**
 * The KurrentDB mapping, checked without a server against the client's own code where it is
 * exported: `binaryEvent`/`jsonEvent` build what we send, `convertRustRecord` (the client's
 * decoder) turns stored bytes back into what `readStream`/`subscribeToAll` return. The one step in
 * between — the client's append turns non-Uint8Array metadata into `JSON.stringify` bytes and JSON
 * data into `JSON.stringify(data)` — is repeated here as `wire()`.
 */
import { WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { convertRustRecord } from '@kurrent/kurrentdb-client/dist/utils/convertRustEvent.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConcurrencyError } from './event-store.errors.js';
import { validateAppend } from './event-validation.js';
import { decodeMetadata, encodeMetadata, fromKurrentEvent, mapKurrentError, toEventData, toStreamState } from './kurrentdb.mapping.js';

const enc = new TextEncoder();

function wire(value: unknown, json: boolean): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  if (!json && value instanceof Uint8Array && value.constructor === Uint8Array) return value;
  return enc.encode(JSON.stringify(value));
}

function roundTrip(data: Uint8Array, metadata: Uint8Array, contentType: 'application/json' | 'application/octet-stream') {
  const [valid] = validateAppend('s-1', [{ type: 'T', data, metadata, contentType }], 'any', 1 << 20);
  const sent = toEventData(valid!);
  const json = sent.contentType === 'application/json';
  const metaOnWire = sent.metadata instanceof Uint8Array && sent.metadata.constructor === Uint8Array ? sent.metadata : wire(sent.metadata, true);
  const stored = {
    type: sent.type, streamId: 's-1', id: sent.id, created: Date.now(), revision: 3n, isJson: json,
    data: json ? wire(sent.data, true) : (sent.data as Uint8Array), metadata: metaOnWire, position: { commit: 42n, prepare: 42n },
  };
  return fromKurrentEvent(convertRustRecord(stored as never) as never, 42n);
}

describe('KurrentDB mapping', () => {
  it('returns data and metadata byte for byte, whatever the metadata looks like', () => {
    const metas: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['binary', Uint8Array.of(0, 255, 0x7b, 0x22)],
      ['compact JSON', enc.encode('{"correlationId":"abc","n":1}')],
      ['JSON with spaces', enc.encode('{ "a": 1 }')],
      ['JSON number with exponent', enc.encode('1e3')],
      ['JSON string with invalid UTF-8', Uint8Array.of(0x22, 0xff, 0x22)],
      ['our wrapper shape itself', enc.encode('{"$bytes":"AAEC"}')],
      ['JSON null', enc.encode('null')],
    ];
    for (const [what, metadata] of metas) {
      const got = roundTrip(Uint8Array.of(1, 2, 3), metadata, 'application/octet-stream');
      assert.deepEqual(Buffer.from(got.metadata), Buffer.from(metadata), what);
      assert.deepEqual(Buffer.from(got.data), Buffer.from([1, 2, 3]), what);
      assert.equal(got.contentType, 'application/octet-stream');
    }
    const json = enc.encode(JSON.stringify({ b: [1, 'x', null], a: { c: true } }));
    const got = roundTrip(json, enc.encode('{"k":1}'), 'application/json');
    assert.deepEqual(Buffer.from(got.data), Buffer.from(json));
    assert.equal(got.contentType, 'application/json');
    assert.deepEqual([got.position, got.revision, got.stream], [42n, 3, 's-1']);
  });

  it('stores plain-JSON metadata as is and wraps only what would not survive', () => {
    assert.ok(encodeMetadata(enc.encode('{"a":1}')) instanceof Uint8Array);
    assert.deepEqual(encodeMetadata(enc.encode('{ "a": 1 }')), { $bytes: Buffer.from('{ "a": 1 }').toString('base64') });
    assert.equal(encodeMetadata(new Uint8Array(0)), undefined);
    assert.deepEqual(Buffer.from(decodeMetadata(undefined)), Buffer.alloc(0));
  });

  it('maps expected revisions to streamState', () => {
    assert.deepEqual([toStreamState('any'), toStreamState('no_stream'), toStreamState('stream_exists'), toStreamState(7)], ['any', 'no_stream', 'stream_exists', 7n]);
  });

  it("maps the client's errors to typed errors", () => {
    const wev = new WrongExpectedVersionError(undefined, { streamName: 's-1', expected: 2n, current: 5n });
    const c = mapKurrentError(wev, 'append', { stream: 's-1', expected: 2 });
    assert.ok(c instanceof ConcurrencyError);
    assert.deepEqual([c.code, c.stream, c.expected, c.actual], ['ERR_EVENT_STORE_CONCURRENCY', 's-1', 2, 5]);
    const none = mapKurrentError(new WrongExpectedVersionError(undefined, { streamName: 's-1', expected: 'stream_exists', current: 'no_stream' }), 'append', { stream: 's-1', expected: 'stream_exists' });
    assert.equal((none as ConcurrencyError).actual, 'no_stream');
    const table: [string, string][] = [
      ['unavailable', 'ERR_EVENT_STORE_UNAVAILABLE'],
      ['deadline-exceeded', 'ERR_EVENT_STORE_UNAVAILABLE'],
      ['access-denied', 'ERR_EVENT_STORE_ACCESS_DENIED'],
      ['stream-deleted', 'ERR_EVENT_STORE_STREAM_DELETED'],
      ['maximum-append-size-exceeded', 'ERR_EVENT_STORE_EVENT_TOO_LARGE'],
      ['invalid-argument', 'ERR_EVENT_STORE_INVALID_ARGUMENT'],
    ];
    for (const [type, code] of table) {
      const err = Object.assign(new Error(`boom ${type}`), { type });
      const mapped = mapKurrentError(err, 'do it');
      assert.equal(mapped.code, code, type);
      assert.equal(mapped.cause, err);
      assert.match(mapped.message, /^couldn't do it: boom/);
    }
  });
});
