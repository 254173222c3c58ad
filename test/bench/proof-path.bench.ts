/**
 * `node dist/test/bench/proof-path.bench.js <log-index.sqlite>` — what one `GET /proofs/inclusion`
 * and one `GET /entries/{id}` cost without HTTP, piece by piece, on a real log index (e.g. the one
 * `SCALE_KEEP=1 npm run bench:scale` leaves in BENCH_DIR/scitt-scale-<n>/): the index reads, the
 * proof, the query handler, JSON, the receipt. Random entries, BENCH_REQUESTS calls per row (default
 * 20,000), µs per call (wall time on this thread; the index is opened read-write but nothing is written,
 * keeping its latest checkpoint in memory as the service's writer does). The calls of a row run in
 * one turn of the event loop, so the writer's hot reads share one read transaction, as a busy
 * service's do (`SharedReads`, src/log/shared-reads.ts); the upper nodes' warm-up is awaited first.
 */
import { hashLeaf, inclusionNodes, inclusionProof } from '../../libs/merkle/src/index.js';
import { toHex } from '../../libs/cose/src/index.js';
import { GetInclusionProofHandler } from '../../src/auditor/log.handlers.js';
import { GetInclusionProof } from '../../src/auditor/auditor.queries.js';
import { LogIndexStore } from '../../src/log/log-index.store.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const path = process.argv[2];
if (!path) throw new Error('usage: proof-path.bench.js <log-index.sqlite>');

async function time(name: string, fn: (i: number) => unknown): Promise<void> {
  for (let i = 0; i < 2000; i++) await fn(i); // warm the caches and the JIT
  const t0 = performance.now();
  for (let i = 0; i < REQUESTS; i++) await fn(i);
  console.log(`| ${name} | ${(((performance.now() - t0) * 1000) / REQUESTS).toFixed(1)} |`);
}

async function main(): Promise<void> {
  const index = new LogIndexStore(path!, { keepLatest: true });
  await index.nodesWarmed;
  const size = index.checkpoint()!.treeSize;
  const random = (): number => Math.floor(Math.random() * size);
  const ids = Array.from({ length: 4096 }, () => index.entryByIndex(random())!.entryId);
  const handler = new GetInclusionProofHandler(index);
  console.log(`log index of ${size} entries, ${REQUESTS} random calls per row\n\n| step | µs per call |\n|---|---:|`);
  await time('index.checkpoint() (latest)', () => index.checkpoint());
  await time('index.entryByIndex(i)', () => index.entryByIndex(random()));
  await time('index.entryBytes(id) + hashLeaf', (i) => hashLeaf(index.entryBytes(ids[i % ids.length]!)!));
  await time('inclusionProof(index, i, size)', () => inclusionProof(index, random(), size));
  await time('index.entryIdAt(i)', () => index.entryIdAt(random()));
  await time('index.leafHash(i)', () => index.leafHash(random()));
  await time("index.proofNodes(plan, i) (a proof by index: its one statement)", () => {
    const at = random();
    return index.proofNodes(inclusionNodes(at, size).ids, at, true);
  });
  await time('GetInclusionProofHandler (by index)', () => handler.execute(new GetInclusionProof({ index: random() }, undefined)));
  await time('… + JSON body', async () => {
    const p = await handler.execute(new GetInclusionProof({ index: random() }, undefined));
    return JSON.stringify({ entryId: p.entryId, leafIndex: p.leafIndex, treeSize: p.treeSize, leafHash: toHex(p.leafHash), root: toHex(p.root), path: p.path.map(toHex) });
  });
  await time('GetInclusionProofHandler (by entry id)', (i) => handler.execute(new GetInclusionProof({ entryId: ids[i % ids.length]! }, undefined)));
  await time('index.receipt(id) (GET /entries/{id})', (i) => index.receipt(ids[i % ids.length]!));
  index.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
