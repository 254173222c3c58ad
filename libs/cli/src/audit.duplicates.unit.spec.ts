/**
 * The audit knows statement identity (docs/receipts.md): a log that holds the same signed statement
 * twice (an ECDSA signature and its twin, registered before the ledger deduplicated by statement
 * id) audits ok — both are genuine entries — and the audit names the duplicate. The source is an
 * in-memory ledger: a real RFC 9162 tree, real entries and checkpoints signed with a real key.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Alg, coseKeyThumbprint, decodeSign1, encodeSign1, nodeCryptoBackend, publicKey, signSign1, toHex } from '../../cose/src/index.js';
import { CompactRange, consistencyProof, hashLeaf, MemoryNodeStore } from '../../merkle/src/index.js';
import { entryIdOf, signCheckpoint, toEntry } from '../../receipt/src/index.js';
import type { AuditCheckpoint, AuditEntry, AuditSource } from './audit.source.js';
import { auditLog } from './audit.verifier.js';

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

describe('audit: statement identity', () => {
  it('names an entry that registers the same statement as an earlier one, and still passes', async () => {
    const issuer = await nodeCryptoBackend.generateKey(Alg.ES256);
    const service = await nodeCryptoBackend.generateKey(Alg.ES256);
    const kid = coseKeyThumbprint(publicKey(service));
    const header = (n: number) => new Map<number, unknown>([[1, Alg.ES256], [3, 'application/json'], [15, new Map([[1, 'https://vendor.example'], [2, `sub-${n}`]])]]);
    const statements: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) statements.push(await signSign1({ protectedHeader: header(i), payload: new TextEncoder().encode(`{"i":${i}}`), key: issuer }));
    const d = decodeSign1(statements[1]!);
    const s2 = (P256_N - BigInt('0x' + toHex(d.signature.slice(32)))).toString(16).padStart(64, '0');
    statements.push(encodeSign1({ protectedBytes: d.protectedBytes, unprotectedHeader: new Map(), payload: d.payload, signature: new Uint8Array([...d.signature.slice(0, 32), ...Buffer.from(s2, 'hex')]) }));

    const store = new MemoryNodeStore();
    const range = new CompactRange();
    const entries: AuditEntry[] = [];
    const checkpoints: AuditCheckpoint[] = [];
    for (const [index, s] of statements.entries()) {
      const entry = toEntry(s).entry;
      range.append(hashLeaf(entry), store.onNode);
      entries.push({ index, entryId: entryIdOf(entry), entry, iss: 'https://vendor.example', sub: `sub-${index === 3 ? 1 : index}`, contentType: 'application/json', registeredAt: '2026-01-01T00:00:00Z' });
      const root = range.root();
      const cp = await signCheckpoint({ root, issuer: 'https://ledger.example', logId: 'main', iat: 1, alg: Alg.ES256, kid, sign: (tbs) => nodeCryptoBackend.sign(Alg.ES256, service, tbs) });
      checkpoints.push({ treeSize: range.size, root, signedAt: '2026-01-01T00:00:00Z', kid: toHex(kid), ...cp });
    }
    const src: AuditSource = {
      entries: async (start, limit) => ({ items: entries.slice(start, start + limit), next: start + limit < entries.length ? start + limit : null }),
      checkpoints: async (after, limit) => {
        const items = checkpoints.filter((c) => c.treeSize > Number(after)).slice(0, limit);
        return { items, next: items.length ? items.at(-1)!.treeSize : null };
      },
      latest: async () => checkpoints.at(-1)!,
      consistency: async (from, to) => ({ from, to, root1: checkpoints[from - 1]!.root, root2: checkpoints[to - 1]!.root, path: await consistencyProof(store, from, to) }),
    };
    const r = await auditLog(src, { keyFor: (k) => (k === toHex(kid) ? publicKey(service) : undefined) });
    assert.deepEqual(r.problems, []);
    assert.equal(r.ok, true);
    assert.equal(r.entriesChecked, 4);
    assert.equal(r.duplicates.length, 1);
    assert.deepEqual({ index: r.duplicates[0]!.index, firstIndex: r.duplicates[0]!.firstIndex }, { index: 3, firstIndex: 1 });
  });
});
