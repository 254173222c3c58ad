/**
 * Receipt benchmark: issuing (encode from a shared checkpoint + stored proof) and offline
 * verification (decode, leaf hash, proof walk, signature) with both signature backends.
 * Run: build, then `node dist/libs/receipt/bench/receipt.bench.js`. One thread, sequential awaits;
 * prints a markdown table (ops/s, median of 3 runs).
 */
import { Alg, nobleBackend, nodeCryptoBackend, type CryptoBackend } from '../../cose/src/index.js';
import { inclusionProof } from '../../merkle/src/index.js';
import { makeIdentity, makeStatement, TestLog } from '../test/test-log.fixture.js';
import { decodeReceipt, encodeInclusionReceipt, toEntry, toTransparentStatement, verifyReceipt, verifyTransparentStatement } from '../src/index.js';

const SIZE = 1024;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function opsPerSec(n: number, fn: (i: number) => unknown): Promise<number> {
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) await fn(i);
    runs.push((n * 1000) / (performance.now() - t));
  }
  return runs.sort((a, b) => a - b)[1]!;
}

async function main(): Promise<void> {
  const rows: string[] = ['| operation | backend | alg | ops/s |', '|---|---|---|---|'];
  for (const alg of [Alg.ES256, Alg.EdDSA]) {
    const service = await makeIdentity(nodeCryptoBackend, alg);
    const issuer = await makeIdentity(nodeCryptoBackend, Alg.ES256);
    const log = new TestLog(service, nodeCryptoBackend);
    const statements: Uint8Array[] = [];
    for (let i = 0; i < SIZE; i++) statements.push(await makeStatement(issuer, nodeCryptoBackend, `subject-${i}`));
    await log.appendBatch(statements);
    const cp = log.checkpoints.get(SIZE)!;
    const paths = await Promise.all(statements.map((_, i) => inclusionProof(log.store, i, SIZE)));
    const receipts = paths.map((path, i) => encodeInclusionReceipt({ ...cp, treeSize: SIZE, leafIndex: i, path }));
    const tss = statements.map((s, i) => toTransparentStatement(s, [receipts[i]!]));

    rows.push(`| encodeInclusionReceipt (1024-leaf tree) | — | ${alg} | ${fmt(await opsPerSec(20000, (i) => encodeInclusionReceipt({ ...cp, treeSize: SIZE, leafIndex: i % SIZE, path: paths[i % SIZE]! })))} |`);
    rows.push(`| decodeReceipt | — | ${alg} | ${fmt(await opsPerSec(20000, (i) => decodeReceipt(receipts[i % SIZE]!)))} |`);
    rows.push(`| toEntry (splice) | — | ${alg} | ${fmt(await opsPerSec(20000, (i) => toEntry(statements[i % SIZE]!)))} |`);
    const backends: [string, CryptoBackend, number][] = [
      ['node', nodeCryptoBackend, 4000],
      ['noble', nobleBackend, alg === Alg.ES256 ? 300 : 500],
    ];
    for (const [name, backend, n] of backends) {
      rows.push(`| verifyReceipt | ${name} | ${alg} | ${fmt(await opsPerSec(n, (i) => verifyReceipt(receipts[i % SIZE]!, statements[i % SIZE]!, [service.pub], { backend })))} |`);
      rows.push(`| verifyTransparentStatement (receipt + ES256 issuer sig) | ${name} | ${alg} | ${fmt(await opsPerSec(Math.ceil(n / 2), (i) => verifyTransparentStatement(tss[i % SIZE]!, { serviceKeys: [service.pub], issuerKey: () => issuer.pub, backend })))} |`);
    }
  }
  console.log(rows.join('\n'));
}

await main();
