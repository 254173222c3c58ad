/**
 * Seeded mutation fuzzing over real HTTP (issue "Hardening": keep the fuzz corpus in CI): 5,001
 * mutations of three registered statements — an x5chain claim, a hash envelope and a revocation —
 * are POSTed to the service. Every answer is either a 4xx RFC 9290 problem (CBOR) or, for a
 * mutation that leaves the signed content intact, a 201 naming the seed's own entry (statement
 * identity); never a 5xx, never a new entry. The seed is fixed, so a failure reproduces.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCbor } from '../../libs/cose/src/index.js';
import { REVOCATION_CONTENT_TYPE } from '../../libs/ledger/src/index.js';
import { entryIdOf, toEntry } from '../../libs/receipt/src/index.js';
import { register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf } from '../support/statements.js';

const MUTATIONS = 5001;
const SEED = 0x5c177;

/** xorshift32: a tiny seeded generator, so every run mutates the same way. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

function mutate(seed: Uint8Array, r: (n: number) => number): { bytes: Uint8Array; how: string } {
  const b = Uint8Array.from(seed);
  const at = r(b.length);
  switch (r(6)) {
    case 0:
      b[at]! ^= 1 << r(8);
      return { bytes: b, how: `bit flip at ${at}` };
    case 1:
      b[at] = r(256);
      return { bytes: b, how: `byte ${at} replaced` };
    case 2:
      return { bytes: b.subarray(0, at), how: `truncated to ${at}` };
    case 3:
      return { bytes: new Uint8Array([...b.subarray(0, at), r(256), ...b.subarray(at)]), how: `byte inserted at ${at}` };
    case 4:
      return { bytes: new Uint8Array([...b.subarray(0, at), ...b.subarray(at + 1)]), how: `byte ${at} deleted` };
    default:
      return { bytes: new Uint8Array([...b, ...Array.from({ length: 1 + r(8) }, () => r(256))]), how: 'trailing garbage' };
  }
}

describe('mutation fuzzing of registered statements over HTTP (seeded)', () => {
  let ledger: TestLedger;
  const seeds: { name: string; statement: Uint8Array; entryId: string }[] = [];

  before(async () => {
    ledger = await startLedger({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
    const vendor = await makeIssuer('https://fuzz.vendor.example');
    const x5chain = await signStatement(vendor, { sub: subjectOf(0xf1), x5chain: vendor.certificate, payload: '{"sbom":true}' });
    const envelope = await signStatement(vendor, { sub: subjectOf(0xf2), x5chain: vendor.certificate, hashEnvelope: true, contentType: 'application/spdx+json', payload: new Uint8Array(32).fill(7) });
    const x5chainId = entryIdOf(toEntry(x5chain).entry);
    const revocation = await signStatement(vendor, { sub: subjectOf(0xf1), x5chain: vendor.certificate, contentType: REVOCATION_CONTENT_TYPE, payload: JSON.stringify({ revokes: [x5chainId], reason: 'fuzz' }) });
    for (const [name, statement] of [['x5chain claim', x5chain], ['hash envelope', envelope], ['revocation', revocation]] as const) {
      const res = await register(ledger.url, statement);
      assert.equal(res.status, 201, `seed ${name}`);
      seeds.push({ name, statement, entryId: entryIdOf(toEntry(statement).entry) });
    }
  });
  after(async () => ledger?.destroy());

  it(`${MUTATIONS} mutations: 4xx problem details or the seed's own entry, never a 5xx or a new entry`, async () => {
    const r = rng(SEED);
    const size = ledger.sequencer.size;
    const outcomes = new Map<number, number>();
    const jobs = Array.from({ length: MUTATIONS }, (_, i) => ({ seed: seeds[i % seeds.length]!, ...mutate(seeds[i % seeds.length]!.statement, r) }));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const j = jobs[next++]!;
        const res = await register(ledger.url, j.bytes);
        const body = new Uint8Array(await res.arrayBuffer());
        outcomes.set(res.status, (outcomes.get(res.status) ?? 0) + 1);
        const what = `${j.seed.name}, ${j.how} → ${res.status}`;
        if (res.status === 201) {
          assert.equal(res.headers.get('location'), `/entries/${j.seed.entryId}`, `${what}: an accepted mutation must be the seed's own statement`);
          continue;
        }
        assert.ok(res.status >= 400 && res.status < 500, what);
        assert.equal(res.headers.get('content-type'), 'application/concise-problem-details+cbor', what);
        const p = decodeCbor(body) as Map<number | string, unknown>;
        assert.equal(typeof p.get(-1), 'string', `${what}: problem details carry a title`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.equal(ledger.sequencer.size, size, `no mutation became an entry (${JSON.stringify(Object.fromEntries(outcomes))})`);
    assert.ok((outcomes.get(400) ?? 0) > MUTATIONS / 2, `most mutations are refused as bad requests: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  });
});
