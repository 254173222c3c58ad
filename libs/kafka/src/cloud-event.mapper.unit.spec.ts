import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encodeEventData, logStream } from '../../ledger/src/events.js';
import { toCloudEventMessage, toIntegrationEvents, integrationEventId, type StoredEvent } from './cloud-event.mapper.js';
import { IntegrationEventType } from './integration-event.schemas.js';
import { IntegrationEventMappingError } from './kafka.errors.js';
import { checkpointSigned, entryRegistered, revocation, statement, stored } from '../test/ledger-events.fixture.js';
import { schemaErrors } from '../test/cloud-event.validator.js';
import { REVOCATION_CONTENT_TYPE } from '../../ledger/src/revocation.js';

const LOG = 'main';
const messagesOf = (s: StoredEvent, opts = {}) => toIntegrationEvents(s, { logId: LOG, ...opts }).events.map((e) => toCloudEventMessage(e, LOG));
const dataOf = (m: { value: Buffer }) => JSON.parse(m.value.toString('utf8'));

describe('toIntegrationEvents / toCloudEventMessage', () => {
  it('maps EntryRegistered to one entry.registered.v1 CloudEvent in binary mode', () => {
    const e = entryRegistered(41);
    const [m, ...rest] = messagesOf(stored(LOG, 50, e));
    assert.equal(rest.length, 0);
    assert.equal(m.key, LOG);
    assert.deepEqual(m.headers, {
      ce_specversion: '1.0',
      ce_id: 'main:entry:41',
      ce_source: '/logs/main',
      ce_type: 'dev.scitt-ledger.entry.registered.v1',
      ce_time: e.registeredAt,
      ce_subject: `entries/${e.entryId}`,
      'content-type': 'application/json',
    });
    assert.deepEqual(dataOf(m), {
      logId: LOG,
      entryId: e.entryId,
      index: 41,
      iss: e.iss,
      sub: e.sub,
      contentType: e.contentType,
      kid: e.kid,
      registeredAt: e.registeredAt,
      leafHash: Buffer.from(e.leafHash).toString('hex'),
    });
    assert.deepEqual(schemaErrors({ key: m.key, headers: m.headers, data: dataOf(m) }), []);
  });

  it('maps CheckpointSigned to checkpoint.signed.v1 with a signature reference, not the signature', () => {
    const c = checkpointSigned(42);
    const [m] = messagesOf(stored(LOG, 51, c), { checkpointHref: 'https://ledger.example/checkpoints/{treeSize}' });
    assert.equal(m.headers.ce_id, 'main:checkpoint:42');
    assert.equal(m.headers.ce_type, IntegrationEventType.CheckpointSigned);
    assert.equal(m.headers.ce_subject, 'checkpoints/42');
    assert.equal(m.headers.ce_time, c.signedAt);
    const d = dataOf(m);
    assert.equal(d.root, Buffer.from(c.root).toString('hex'));
    assert.deepEqual(d.signature, {
      href: 'https://ledger.example/checkpoints/42',
      sha256: createHash('sha256').update(c.signature).digest('hex'),
    });
    assert.deepEqual(schemaErrors({ key: m.key, headers: m.headers, data: d }), []);
  });

  it('maps a revocation statement to entry.registered plus one claim.revoked per revoked entry, in that order', () => {
    const a = entryRegistered(1).entryId;
    const b = entryRegistered(2).entryId;
    const r = revocation(7, [a, b], 'superseded');
    const ms = messagesOf(stored(LOG, 9, r));
    assert.deepEqual(ms.map((m) => m.headers.ce_type), [IntegrationEventType.EntryRegistered, IntegrationEventType.ClaimRevoked, IntegrationEventType.ClaimRevoked]);
    assert.deepEqual(ms.map((m) => m.headers.ce_id), ['main:entry:7', `main:revocation:7:${a}`, `main:revocation:7:${b}`]);
    assert.equal(ms[1].headers.ce_subject, `entries/${a}`);
    assert.deepEqual(dataOf(ms[2]), { logId: LOG, revokedEntryId: b, revocationEntryId: r.entryId, revocationIndex: 7, iss: r.iss, reason: 'superseded', revokedAt: r.registeredAt });
    for (const m of ms) assert.deepEqual(schemaErrors({ key: m.key, headers: m.headers, data: dataOf(m) }), []);
  });

  const badRevocations: [string, Uint8Array | null][] = [
    ['detached payload', null],
    ['not JSON', new TextEncoder().encode('revoke everything')],
    ['no revokes', new TextEncoder().encode('{"revokes":[],"reason":"x"}')],
    ['bad entry id', new TextEncoder().encode('{"revokes":["ABC"],"reason":"x"}')],
  ];
  for (const [name, payload] of badRevocations) {
    it(`publishes the entry but skips claim.revoked, saying why, for a malformed revocation (${name})`, () => {
      const e = entryRegistered(3, { contentType: REVOCATION_CONTENT_TYPE, entry: statement(REVOCATION_CONTENT_TYPE, payload, 3) });
      const r = toIntegrationEvents(stored(LOG, 3, e), { logId: LOG });
      assert.deepEqual(r.events.map((x) => x.type), [IntegrationEventType.EntryRegistered]);
      assert.equal(r.skipped.length, 1);
      assert.match(r.skipped[0], /^entry 3 \([0-9a-f]{64}\): revocation not published: couldn't parse revocation/);
    });
  }

  it('maps nothing for other streams and for service events', () => {
    const e = entryRegistered(0);
    assert.deepEqual(toIntegrationEvents({ ...stored('other', 0, e) }, { logId: LOG }), { events: [], skipped: [] });
    const key = { stream: logStream(LOG), revision: 0, position: 1n, type: 'ServiceKeyAdded', data: encodeEventData({ type: 'ServiceKeyAdded', kid: new Uint8Array([1]), coseKey: new Uint8Array([0xa0]), addedAt: '2026-01-01T00:00:00Z' }) };
    assert.deepEqual(toIntegrationEvents(key, { logId: LOG }), { events: [], skipped: [] });
    assert.deepEqual(toIntegrationEvents({ ...key, type: 'SomethingNew' }, { logId: LOG }), { events: [], skipped: [] });
  });

  const corrupt: [string, Uint8Array][] = [
    ['truncated JSON', encodeEventData(entryRegistered(0)).slice(0, 20)],
    ['not UTF-8', new Uint8Array([0xff, 0xfe])],
    ['unknown version', new TextEncoder().encode('{"v":2}')],
  ];
  for (const [name, data] of corrupt) {
    it(`refuses undecodable log data rather than skipping a fact (${name})`, () => {
      assert.throws(
        () => toIntegrationEvents({ stream: logStream(LOG), revision: 5, position: 6n, type: 'EntryRegistered', data }, { logId: LOG }),
        (err: unknown) => err instanceof IntegrationEventMappingError && err.code === 'ERR_KAFKA_EVENT_MAPPING' && /log-main@5/.test(err.message) && err.cause !== undefined,
      );
    });
  }

  it('is deterministic: the same stored event maps to the same bytes and ids (dedupe by ce_id works)', () => {
    const s = stored(LOG, 3, revocation(3, [entryRegistered(0).entryId]));
    assert.deepEqual(messagesOf(s), messagesOf({ ...s, position: 999n }));
  });

  it('uses the configured source and gives ids unique per log and kind', () => {
    const [m] = messagesOf(stored(LOG, 0, entryRegistered(0)), { source: 'https://ledger.example/logs/main' });
    assert.equal(m.headers.ce_source, 'https://ledger.example/logs/main');
    const ids = new Set([integrationEventId('a', 'entry', 1), integrationEventId('a', 'checkpoint', 1), integrationEventId('b', 'entry', 1), integrationEventId('a', 'revocation', 1, 'ff')]);
    assert.equal(ids.size, 4);
    for (const bad of [-1, 1.5, 2 ** 53]) assert.throws(() => integrationEventId('a', 'entry', bad), IntegrationEventMappingError);
  });
});
