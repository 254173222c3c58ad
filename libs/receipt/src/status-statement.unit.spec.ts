/**
 * Status statements: sign one over a real log (libs/merkle tree, real checkpoint signatures) and
 * verify it offline; then every way it can be wrong fails with the code saying which check:
 * every flipped byte, another key, a tree size its checkpoint does not have, an entry beyond the
 * tree, another collection, a checkpoint newer than the statement or of another log.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCbor, decodeSign1, encodeCbor, nodeCryptoBackend } from '../../cose/src/index.js';
import { hashLeaf, inclusionProof } from '../../merkle/src/index.js';
import { ISSUER, LOG_ID, TestLog, makeIdentity, makeStatement, type Identity } from '../test/test-log.fixture.js';
import { signStatusStatement, type SignStatusInput, type StatusEntry } from './status-statement.codec.js';
import { StatusError, verifyStatusStatement } from './status-statement.verifier.js';

const SUBJECT = `sha256:${'5a'.repeat(32)}`;
const hex = (n: number) => n.toString(16).padStart(64, '0');

describe('status statements', () => {
  let service: Identity;
  let log: TestLog;
  let base: Omit<SignStatusInput, 'sign'>;
  const sign = (i: Omit<SignStatusInput, 'sign'>, who: Identity = service) => signStatusStatement({ ...i, sign: (tbs) => nodeCryptoBackend.sign(who.alg, who.key, tbs) });
  const code = (c: string) => (e: unknown) => e instanceof StatusError && e.code === c;

  before(async () => {
    service = await makeIdentity(nodeCryptoBackend);
    const issuer = await makeIdentity(nodeCryptoBackend);
    log = new TestLog(service, nodeCryptoBackend);
    await log.appendBatch(await Promise.all([0, 1, 2].map((i) => makeStatement(issuer, nodeCryptoBackend, `r.example/app@${SUBJECT}`, new TextEncoder().encode(`{"n":${i}}`)))));
    const cp = await log.appendBatch([await makeStatement(issuer, nodeCryptoBackend, 'r.example/app@' + SUBJECT, new TextEncoder().encode('{"revoke":1}'))]);
    const entries: StatusEntry[] = [
      { entryId: hex(1), statementId: hex(11), index: 0, iss: 'https://vendor.example', kind: 'application/spdx+json', state: 'superseded', by: hex(2), byIndex: 2 },
      { entryId: hex(2), statementId: hex(12), index: 2, iss: 'https://vendor.example', kind: 'application/spdx+json', state: 'revoked', by: hex(3), byIndex: 3, reason: 'wrong SBOM' },
    ];
    base = {
      subject: SUBJECT,
      logId: LOG_ID,
      treeSize: 4,
      root: cp.root,
      checkpointProtected: cp.protectedHeader,
      checkpointSignature: cp.signature,
      lastLeafHash: hashLeaf(log.entries[3]!),
      lastLeafPath: await inclusionProof(log.store, 3, 4),
      entries,
      alg: service.alg,
      kid: service.kid,
      issuer: ISSUER,
      iat: 1_767_300_000,
    };
  });

  it('verifies offline with the service key and says what it states', async () => {
    const bytes = await sign(base);
    const v = await verifyStatusStatement(bytes, [service.pub], { expectedSubject: SUBJECT });
    assert.deepEqual({ ...v, root: undefined }, { iss: ISSUER, logId: LOG_ID, subject: SUBJECT, iat: 1_767_300_000, kid: Buffer.from(service.kid).toString('hex'), treeSize: 4, root: undefined, entries: base.entries });
    const m = decodeSign1(bytes);
    assert.equal(m.protectedHeader.get(3), 'application/vnd.scitt-ledger.status+cbor');
    assert.equal(encodeCbor(decodeCbor(m.payload!, { mapsAsMaps: true })).length, m.payload!.length, 'the payload is deterministic CBOR');
  });

  it('every flipped byte fails verification', async () => {
    const bytes = await sign(base);
    for (let i = 0; i < bytes.length; i++) {
      const t = Uint8Array.from(bytes);
      t[i]! ^= 0x01;
      await assert.rejects(verifyStatusStatement(t, [service.pub]), (e) => e instanceof StatusError, `byte ${i}`);
    }
  });

  it('refuses another key, another collection, a tree size beyond the checkpoint and entries beyond the tree', async () => {
    const other = await makeIdentity(nodeCryptoBackend);
    await assert.rejects(verifyStatusStatement(await sign(base, other), [service.pub]), code('ERR_STATUS_SIGNATURE'));
    await assert.rejects(verifyStatusStatement(await sign(base), [other.pub]), code('ERR_STATUS_UNKNOWN_KID'));
    await assert.rejects(verifyStatusStatement(await sign(base), [service.pub], { expectedSubject: `sha256:${'00'.repeat(32)}` }), code('ERR_STATUS_SUBJECT'));
    for (const treeSize of [3, 5, 8]) {
      await assert.rejects(verifyStatusStatement(await sign({ ...base, treeSize }), [service.pub]), code('ERR_STATUS_TREE_SIZE'), `tree size ${treeSize}`);
    }
    const beyond = { ...base.entries[1]!, byIndex: 4 };
    await assert.rejects(verifyStatusStatement(await sign({ ...base, entries: [beyond] }), [service.pub]), code('ERR_STATUS_TREE_SIZE'));
    const earlier = log.checkpoints.get(3)!;
    await assert.rejects(verifyStatusStatement(await sign({ ...base, root: earlier.root }), [service.pub]), code('ERR_STATUS_CHECKPOINT'), 'the checkpoint signature covers another root');
    await assert.rejects(verifyStatusStatement(await sign({ ...base, iat: 1_767_225_600 }), [service.pub]), code('ERR_STATUS_CHECKPOINT'), 'a checkpoint newer than the statement');
    await assert.rejects(verifyStatusStatement(await sign({ ...base, logId: 'another-log' }), [service.pub]), code('ERR_STATUS_CHECKPOINT'));
    await assert.rejects(verifyStatusStatement(await sign({ ...base, entries: [{ ...base.entries[0]!, byIndex: 0 }] }), [service.pub]), code('ERR_STATUS_MALFORMED'));
  });
});
