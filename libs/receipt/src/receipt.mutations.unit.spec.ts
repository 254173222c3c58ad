/**
 * Every mutation of a valid receipt is rejected, with the code that names the failed check.
 * The receipt under test: leaf 5 of a tree of 8 (path: leaf 4, node [6,8), node [0,4)).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { Alg, CwtClaim, decodeCbor, encodeCbor, encodeSign1, HeaderLabel, nodeCryptoBackend, type HeaderMap } from '../../cose/src/index.js';
import { ISSUER, LOG_ID, makeIdentity, makeStatement, TestLog, type Identity } from '../test/test-log.fixture.js';
import { ReceiptError, decodeReceipt, signCheckpoint, encodeInclusionReceipt, verifyReceipt, type ServiceKeys } from './index.js';

const backend = nodeCryptoBackend;
const LEAF = 5;
const SIZE = 8;

interface Parts {
  protectedHeader: HeaderMap;
  protectedBytes?: Uint8Array;
  unprotected: HeaderMap;
  payload: Uint8Array | null;
  signature: Uint8Array;
  tagged: boolean;
}

function rejectsWith(code: string) {
  return (e: unknown) => {
    assert.ok(e instanceof ReceiptError, `expected a ReceiptError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, /^couldn't /);
    return true;
  };
}

describe('receipt mutations are rejected with the right code', () => {
  let service: Identity;
  let other: Identity;
  let log: TestLog;
  const statements: Uint8Array[] = [];
  let receipt: Uint8Array;
  let keys: ServiceKeys;

  /** Rebuilds the valid receipt with some parts changed. */
  function rebuild(change: (p: Parts) => void): Uint8Array {
    const d = decodeReceipt(receipt);
    const p: Parts = {
      protectedHeader: new Map(d.sign1.protectedHeader),
      unprotected: new Map(d.sign1.unprotectedHeader),
      payload: null,
      signature: d.sign1.signature,
      tagged: true,
    };
    change(p);
    const protectedBytes = p.protectedBytes ?? encodeCbor(p.protectedHeader);
    return encodeSign1({ protectedBytes, unprotectedHeader: p.unprotected, payload: p.payload, signature: p.signature }, { tagged: p.tagged });
  }

  /** Rebuilds with another inclusion proof `[treeSize, leafIndex, path]` (or raw proof bytes). */
  function withProof(proof: unknown[] | Uint8Array, type = -1): Uint8Array {
    const bytes = proof instanceof Uint8Array ? proof : encodeCbor(proof);
    return rebuild((p) => p.unprotected.set(HeaderLabel.vdp, new Map([[type, [bytes]]])));
  }

  function path(): Uint8Array[] {
    return decodeReceipt(receipt).inclusion![0]!.path.map((h) => Uint8Array.from(h));
  }

  function claims(change: (m: Map<number, unknown>) => void): Uint8Array {
    return rebuild((p) => {
      const m = new Map(p.protectedHeader.get(HeaderLabel.cwtClaims) as Map<number, unknown>);
      change(m);
      p.protectedHeader.set(HeaderLabel.cwtClaims, m);
    });
  }

  const verify = (r: Uint8Array, s: Uint8Array = statements[LEAF]!, k: ServiceKeys = keys, opts = {}) => verifyReceipt(r, s, k, { backend, ...opts });

  before(async () => {
    service = await makeIdentity(backend, Alg.ES256);
    other = await makeIdentity(backend, Alg.ES256);
    const issuer = await makeIdentity(backend, Alg.ES256);
    log = new TestLog(service, backend);
    for (let i = 0; i < SIZE; i++) statements.push(await makeStatement(issuer, backend, `subject-${i}`));
    await log.appendBatch(statements);
    receipt = await log.receipt(LEAF, SIZE);
    keys = [service.pub, other.pub];
    await verify(receipt); // the baseline is valid
  });

  it('a bit flip in any proof hash → ERR_RECEIPT_SIGNATURE (the walk yields another root)', async () => {
    for (let h = 0; h < 3; h++) {
      for (const bit of [0, 7, 100, 255]) {
        const pth = path();
        pth[h]![Math.floor(bit / 8)]! ^= 1 << bit % 8;
        await assert.rejects(verify(withProof([SIZE, LEAF, pth])), rejectsWith('ERR_RECEIPT_SIGNATURE'));
      }
    }
  });

  it('tree size ±1 and leaf index ±1: a walk of another shape → SIGNATURE, an impossible one → PROOF', async () => {
    const cases: [number, number, string][] = [
      [SIZE + 1, LEAF, 'ERR_RECEIPT_PROOF'], // leaf 5 of 9 needs 4 siblings
      [SIZE + 2, LEAF, 'ERR_RECEIPT_PROOF'],
      [SIZE - 2, LEAF, 'ERR_RECEIPT_PROOF'], // leaf 5 of 6 needs 2
      [SIZE, LEAF - 1, 'ERR_RECEIPT_SIGNATURE'],
      [SIZE, LEAF + 1, 'ERR_RECEIPT_SIGNATURE'],
      [LEAF, LEAF, 'ERR_RECEIPT_PROOF'], // index not below size
      [0, 0, 'ERR_RECEIPT_PROOF'],
      [4, LEAF - 2, 'ERR_RECEIPT_PROOF'], // size 4 needs 2 siblings
    ];
    for (const [size, index, code] of cases) {
      await assert.rejects(verify(withProof([size, index, path()])), rejectsWith(code), `size ${size} index ${index}`);
    }
  });

  it('tree size is not signed (RFC 9942 signs the root alone): leaf 5 of 8 walks like leaf 5 of 7', async () => {
    // Known property of the format, documented in docs/receipts.md: the size steers the walk, and
    // sizes 7 and 8 give leaf 5 the same sibling order, so the same signed root comes out. The
    // entry is still proven to be leaf 5 under the signed root; only the reported size differs.
    const v = await verify(withProof([SIZE - 1, LEAF, path()]));
    assert.equal(v.treeSize, SIZE - 1);
    assert.deepEqual(v.root, log.checkpoints.get(SIZE)!.root);
  });

  it('a path with a hash dropped, added or swapped is rejected', async () => {
    const p = path();
    await assert.rejects(verify(withProof([SIZE, LEAF, p.slice(1)])), rejectsWith('ERR_RECEIPT_PROOF'));
    await assert.rejects(verify(withProof([SIZE, LEAF, [...p, p[0]!]])), rejectsWith('ERR_RECEIPT_PROOF'));
    await assert.rejects(verify(withProof([SIZE, LEAF, [p[1]!, p[0]!, p[2]!]])), rejectsWith('ERR_RECEIPT_SIGNATURE'));
  });

  it('kid: unknown → UNKNOWN_KID; another service key\'s kid → SIGNATURE', async () => {
    await assert.rejects(verify(rebuild((p) => p.protectedHeader.set(HeaderLabel.kid, Uint8Array.of(1, 2, 3)))), rejectsWith('ERR_RECEIPT_UNKNOWN_KID'));
    await assert.rejects(verify(rebuild((p) => p.protectedHeader.set(HeaderLabel.kid, other.kid))), rejectsWith('ERR_RECEIPT_SIGNATURE'));
    await assert.rejects(verify(receipt, statements[LEAF]!, [other.pub]), rejectsWith('ERR_RECEIPT_UNKNOWN_KID'));
    await assert.rejects(verify(receipt, statements[LEAF]!, () => undefined), rejectsWith('ERR_RECEIPT_UNKNOWN_KID'));
    await assert.rejects(verify(rebuild((p) => p.protectedHeader.delete(HeaderLabel.kid))), rejectsWith('ERR_RECEIPT_MALFORMED'));
  });

  it('a key without a kid member is found by its RFC 9679 thumbprint; a lookup function works too', async () => {
    const { kid: _kid, ...noKid } = service.pub;
    await verify(receipt, statements[LEAF]!, [noKid]);
    await verify(receipt, statements[LEAF]!, (kid) => (kid.length === 32 ? service.pub : undefined));
  });

  it('vds: absent, 2, 0, or unprotected → ERR_RECEIPT_VDS', async () => {
    await assert.rejects(verify(rebuild((p) => p.protectedHeader.delete(HeaderLabel.vds))), rejectsWith('ERR_RECEIPT_VDS'));
    for (const vds of [2, 0, -1]) await assert.rejects(verify(rebuild((p) => p.protectedHeader.set(HeaderLabel.vds, vds))), rejectsWith('ERR_RECEIPT_VDS'));
    const moved = rebuild((p) => {
      p.protectedHeader.delete(HeaderLabel.vds);
      p.unprotected.set(HeaderLabel.vds, 1);
    });
    await assert.rejects(verify(moved), rejectsWith('ERR_RECEIPT_VDS'));
  });

  it('an attached payload (even the right root) → ERR_RECEIPT_ATTACHED_PAYLOAD', async () => {
    const root = log.checkpoints.get(SIZE)!.root;
    for (const payload of [root, new Uint8Array(0)]) {
      await assert.rejects(verify(rebuild((p) => (p.payload = payload))), rejectsWith('ERR_RECEIPT_ATTACHED_PAYLOAD'));
    }
  });

  it('another statement (a neighbour, or the same claim re-signed) → ERR_RECEIPT_SIGNATURE', async () => {
    for (const s of [statements[LEAF - 1]!, statements[LEAF + 1]!, statements[0]!]) {
      await assert.rejects(verify(receipt, s), rejectsWith('ERR_RECEIPT_SIGNATURE'));
    }
    const issuer2 = await makeIdentity(backend);
    await assert.rejects(verify(receipt, await makeStatement(issuer2, backend, `subject-${LEAF}`)), rejectsWith('ERR_RECEIPT_SIGNATURE'));
  });

  it('a statement that is not a COSE_Sign1 → ERR_STATEMENT_MALFORMED', async () => {
    for (const s of [new Uint8Array(0), Uint8Array.of(0xa0), statements[LEAF]!.subarray(0, 20)]) {
      await assert.rejects(verify(receipt, s), rejectsWith('ERR_STATEMENT_MALFORMED'));
    }
  });

  it('every truncation of the receipt → ERR_RECEIPT_MALFORMED', async () => {
    for (let n = 0; n < receipt.length; n++) {
      await assert.rejects(verify(receipt.subarray(0, n)), rejectsWith('ERR_RECEIPT_MALFORMED'), `truncated to ${n}`);
    }
  });

  it('trailing bytes, no tag, another tag → ERR_RECEIPT_MALFORMED', async () => {
    for (const tail of [[0x00], [0xf6], [0xd2, 0x84]]) {
      const r = new Uint8Array([...receipt, ...tail]);
      await assert.rejects(verify(r), rejectsWith('ERR_RECEIPT_MALFORMED'));
    }
    await assert.rejects(verify(rebuild((p) => (p.tagged = false))), rejectsWith('ERR_RECEIPT_MALFORMED'));
    await assert.rejects(verify(Uint8Array.of(0xd8, 0x62, ...receipt.subarray(1))), rejectsWith('ERR_RECEIPT_MALFORMED')); // tag 98 (COSE_Sign)
  });

  it('a receipt signed by another key under our kid → ERR_RECEIPT_SIGNATURE', async () => {
    const cp = await signCheckpoint({
      root: log.checkpoints.get(SIZE)!.root, issuer: ISSUER, logId: LOG_ID, iat: 1, alg: Alg.ES256, kid: service.kid,
      sign: (tbs) => backend.sign(Alg.ES256, other.key, tbs),
    });
    const forged = encodeInclusionReceipt({ ...cp, treeSize: SIZE, leafIndex: LEAF, path: path() });
    await assert.rejects(verify(forged), rejectsWith('ERR_RECEIPT_SIGNATURE'));
  });

  it('a signature bit flip, or a changed alg → ERR_RECEIPT_SIGNATURE', async () => {
    const sig = Uint8Array.from(decodeReceipt(receipt).sign1.signature);
    sig[10]! ^= 0x10;
    await assert.rejects(verify(rebuild((p) => (p.signature = sig))), rejectsWith('ERR_RECEIPT_SIGNATURE'));
    await assert.rejects(verify(rebuild((p) => p.protectedHeader.set(HeaderLabel.alg, Alg.ES384))), rejectsWith('ERR_RECEIPT_SIGNATURE'));
  });

  it('issuer or log id mismatch when expected → ERR_RECEIPT_ISSUER / ERR_RECEIPT_LOG_ID', async () => {
    await assert.rejects(verify(receipt, statements[LEAF]!, keys, { expectedIssuer: 'https://other.example' }), rejectsWith('ERR_RECEIPT_ISSUER'));
    await assert.rejects(verify(receipt, statements[LEAF]!, keys, { expectedLogId: 'log-other' }), rejectsWith('ERR_RECEIPT_LOG_ID'));
    await verify(receipt, statements[LEAF]!, keys, { expectedIssuer: ISSUER, expectedLogId: LOG_ID });
  });

  it('CWT claims: a changed iss → SIGNATURE; missing iss/sub/iat or a non-text iss → MALFORMED', async () => {
    await assert.rejects(verify(claims((m) => m.set(CwtClaim.iss, 'https://ledger.example/'))), rejectsWith('ERR_RECEIPT_SIGNATURE'));
    for (const k of [CwtClaim.iss, CwtClaim.sub, CwtClaim.iat]) await assert.rejects(verify(claims((m) => m.delete(k))), rejectsWith('ERR_RECEIPT_MALFORMED'));
    await assert.rejects(verify(claims((m) => m.set(CwtClaim.iss, 42))), rejectsWith('ERR_RECEIPT_MALFORMED'));
    await assert.rejects(verify(rebuild((p) => p.protectedHeader.delete(HeaderLabel.cwtClaims))), rejectsWith('ERR_RECEIPT_MALFORMED'));
  });

  it('an unknown critical header → MALFORMED', async () => {
    await assert.rejects(verify(rebuild((p) => p.protectedHeader.set(HeaderLabel.crit, [999]).set(999, 1))), rejectsWith('ERR_RECEIPT_MALFORMED'));
  });

  it('proof shapes: unknown type, empty list, not bstr, wrong arity, short hash, negative or huge numbers → MALFORMED', async () => {
    const p = path();
    const bad: [string, Uint8Array][] = [
      ['type -3', withProof([SIZE, LEAF, p], -3)],
      ['no 396', rebuild((x) => x.unprotected.delete(HeaderLabel.vdp))],
      ['empty 396', rebuild((x) => x.unprotected.set(HeaderLabel.vdp, new Map()))],
      ['empty list', rebuild((x) => x.unprotected.set(HeaderLabel.vdp, new Map([[-1, []]])))],
      ['not bstr', rebuild((x) => x.unprotected.set(HeaderLabel.vdp, new Map([[-1, [[SIZE, LEAF, p]]]])))],
      ['2 elements', withProof([SIZE, p])],
      ['4 elements', withProof([SIZE, LEAF, p, 0])],
      ['31-byte hash', withProof([SIZE, LEAF, [p[0]!, p[1]!, p[2]!.subarray(1)]])],
      ['path not array', withProof([SIZE, LEAF, p[0]!])],
      ['negative index', withProof([SIZE, -1, p])],
      ['2^53 size', withProof([2n ** 53n, LEAF, p])],
      ['text size', withProof(['8', LEAF, p])],
      ['trailing byte in proof', withProof(Uint8Array.of(...encodeCbor([SIZE, LEAF, p]), 0))],
      ['not CBOR', withProof(Uint8Array.of(0xff))],
    ];
    for (const [what, r] of bad) await assert.rejects(verify(r), rejectsWith('ERR_RECEIPT_MALFORMED'), what);
  });

  it('two inclusion proofs, or an inclusion and a consistency proof → ERR_RECEIPT_WRONG_KIND', async () => {
    const proof = encodeCbor([SIZE, LEAF, path()]);
    await assert.rejects(verify(rebuild((x) => x.unprotected.set(HeaderLabel.vdp, new Map([[-1, [proof, proof]]])))), rejectsWith('ERR_RECEIPT_WRONG_KIND'));
    const con = encodeCbor([4, SIZE, [path()[0]!]]);
    await assert.rejects(verify(rebuild((x) => x.unprotected.set(HeaderLabel.vdp, new Map([[-1, [proof]], [-2, [con]]])))), rejectsWith('ERR_RECEIPT_WRONG_KIND'));
  });

  it('a duplicate key in the unprotected map → MALFORMED (strict CBOR)', async () => {
    // Unprotected header {396: …} rewritten as {396: …, 396: …} at the byte level.
    const d = decodeReceipt(receipt);
    const vdpBytes = encodeCbor(d.sign1.unprotectedHeader).subarray(1); // drop the a1 head
    const dup = Uint8Array.of(0xa2, ...vdpBytes, ...vdpBytes);
    const w = encodeSign1({ protectedBytes: d.sign1.protectedBytes, unprotectedHeader: new Map(), payload: null, signature: d.sign1.signature });
    const at = w.indexOf(0xa0, 2 + 2 + d.sign1.protectedBytes.length - 1);
    const r = Uint8Array.of(...w.subarray(0, at), ...dup, ...w.subarray(at + 1));
    assert.throws(() => decodeCbor(r), /duplicate/i);
    await assert.rejects(verify(r), rejectsWith('ERR_RECEIPT_MALFORMED'));
  });

  it('every single-bit flip anywhere in the receipt is rejected', async () => {
    let rejected = 0;
    for (let i = 0; i < receipt.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const r = Uint8Array.from(receipt);
        r[i]! ^= 1 << bit;
        await assert.rejects(verify(r), (e: unknown) => e instanceof ReceiptError, `byte ${i} bit ${bit}`);
        rejected++;
      }
    }
    assert.equal(rejected, receipt.length * 8);
  });
});

describe('encodeInclusionReceipt bytes', () => {
  it('are those of the generic encoding (the proof lent from the CBOR writer, not copied out)', () => {
    const path = Array.from({ length: 20 }, (_, i) => new Uint8Array(32).fill(i + 1));
    const protectedHeader = encodeCbor(new Map<number, unknown>([[HeaderLabel.alg, Alg.ES256], [395, 1]]));
    const signature = new Uint8Array(64).fill(9);
    const want = encodeSign1({
      protectedBytes: protectedHeader,
      unprotectedHeader: new Map([[HeaderLabel.vdp, new Map<number, unknown>([[-1, [encodeCbor([1_000_000, 123_456, path])]]])]]),
      payload: null,
      signature,
    });
    for (let i = 0; i < 3; i++) assert.deepEqual(encodeInclusionReceipt({ protectedHeader, signature, treeSize: 1_000_000, leafIndex: 123_456, path }), want);
  });
});
