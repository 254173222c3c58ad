/**
 * Merkle benchmark: libs/merkle against merkletreejs (RFC 9162 configuration) in the same run.
 * Run: `npm run bench:merkle` (or build, then `node dist/libs/merkle/bench/merkle.bench.js`).
 * Sizes are bounded so the whole run takes ~2–3 minutes on 2 cores; MERKLE_BENCH_QUICK=1
 * divides every size by 10 for a smoke run. Prints a markdown table for docs/benchmarks.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { MerkleTree } from 'merkletreejs';
import {
  CompactRange,
  MemoryNodeStore,
  consistencyProof,
  hashChildren,
  hashLeaf,
  inclusionProof,
  rootAt,
  verifyConsistency,
  verifyInclusion,
} from '../src/index.js';

const QUICK = process.env.MERKLE_BENCH_QUICK === '1';
const scale = (n: number): number => (QUICK ? Math.max(1, Math.floor(n / 10)) : n);
const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(2));
const fmtRatio = (x: number): string => (x >= 100 ? Number(x.toPrecision(2)).toLocaleString('en-US') : x.toFixed(x >= 10 ? 0 : 2));
const sizeLabel = (n: number): string => (n >= 1e6 ? `${n / 1e6}·10⁶` : n >= 1e3 ? `${n / 1e3}k` : String(n));

interface Row {
  op: string;
  size: string;
  ours?: number;
  theirs?: number;
  unit?: string;
}
const rows: Row[] = [];

function timeMs(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}
async function timeMsAsync(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}
function record(row: Row): void {
  rows.push(row);
  const ours = row.ours === undefined ? '—' : fmt(row.ours);
  const theirs = row.theirs === undefined ? '—' : fmt(row.theirs);
  console.error(`  ${row.op} @ ${row.size}: ours ${ours}, merkletreejs ${theirs} ${row.unit ?? 'ops/s'}`);
}

// A pool of distinct leaf hashes, cycled: appends measure tree work, not leaf hashing.
const POOL = 1 << 16;
const pool = Array.from({ length: POOL }, (_, i) => hashLeaf(Uint8Array.of(i & 0xff, i >> 8, 7)));
const rand = (n: number): number => Math.floor(Math.random() * n);

function appendRate(n: number, onNode?: (l: number, i: number, h: Uint8Array) => void): { rate: number; range: CompactRange } {
  const range = new CompactRange();
  const ms = timeMs(() => {
    for (let i = 0; i < n; i++) range.append(pool[i % POOL], onNode);
  });
  return { rate: (n / ms) * 1000, range };
}

async function main(): Promise<void> {
  const started = performance.now();
  console.error(`# merkle bench (node ${process.version}, ${QUICK ? 'QUICK' : 'full'}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);

  // Hashing.
  const nh = scale(1_000_000);
  const entry = randomBytes(32);
  record({ op: 'hashLeaf (32-byte entry)', size: '—', ours: (nh / timeMs(() => { for (let i = 0; i < nh; i++) hashLeaf(entry); })) * 1000 });
  const a = pool[1];
  const b = pool[2];
  record({ op: 'hashChildren', size: '—', ours: (nh / timeMs(() => { for (let i = 0; i < nh; i++) hashChildren(a, b); })) * 1000 });

  // Compact range appends.
  const n6 = scale(1_000_000);
  const n7 = scale(10_000_000);
  record({ op: 'append (compact range only)', size: sizeLabel(n6), ours: appendRate(n6).rate });
  const big = appendRate(n7);
  record({ op: 'append (compact range only)', size: sizeLabel(n7), ours: big.rate });
  let nodes = 0;
  record({ op: 'append + onNode callback (counting)', size: sizeLabel(n7), ours: appendRate(n7, () => void nodes++).rate });
  console.error(`  callback saw ${fmt(nodes)} nodes for ${fmt(n7)} leaves; state ${big.range.state().hashes.length} hashes`);

  // Proof-capable tree (every node kept) vs merkletreejs, at 10^5 and 10^6.
  for (const n of [scale(100_000), scale(1_000_000)]) {
    const leavesBuf = Array.from({ length: n }, (_, i) => Buffer.from(pool[i % POOL]));
    const store = new MemoryNodeStore();
    const ours = appendRate(n, store.onNode);
    let tree!: MerkleTree;
    const nodeFn = (data: Buffer): Buffer => createHash('sha256').update(Buffer.of(1)).update(data).digest();
    const theirsMs = timeMs(() => {
      tree = new MerkleTree(leavesBuf, nodeFn, { hashLeaves: false, duplicateOdd: false, sortPairs: false });
    });
    const root = ours.range.root();
    if (!Buffer.from(root).equals(tree.getRoot())) throw new Error(`roots differ at ${n}: the oracle configuration is wrong`);
    record({ op: 'build tree keeping all nodes (MemoryNodeStore / MerkleTree)', size: sizeLabel(n), ours: ours.rate, theirs: (n / theirsMs) * 1000, unit: 'leaves/s' });

    // Inclusion proofs: generation and verification.
    const q = scale(20_000);
    const idx = Array.from({ length: q }, () => rand(n));
    const proofs: Uint8Array[][] = [];
    const genMs = await timeMsAsync(async () => {
      for (const i of idx) proofs.push(await inclusionProof(store, i, n));
    });
    let theirProofs: { position: 'left' | 'right'; data: Buffer }[][] = [];
    const tGenMs = timeMs(() => {
      theirProofs = idx.map((i) => tree.getProof(leavesBuf[i], i));
    });
    record({ op: 'inclusion proof generation', size: sizeLabel(n), ours: (q / genMs) * 1000, theirs: (q / tGenMs) * 1000 });
    const verMs = timeMs(() => idx.forEach((i, k) => verifyInclusion(pool[i % POOL], i, n, proofs[k], root)));
    let ok = 0;
    const rootBuf = tree.getRoot();
    const tVerMs = timeMs(() => idx.forEach((i, k) => void (tree.verify(theirProofs[k], leavesBuf[i], rootBuf) && ok++)));
    if (ok !== q) throw new Error(`merkletreejs rejected ${q - ok} of its own proofs`);
    record({ op: 'inclusion proof verification', size: sizeLabel(n), ours: (q / verMs) * 1000, theirs: (q / tVerMs) * 1000 });

    // Consistency proofs (merkletreejs has none) and historic roots.
    const sizes1 = Array.from({ length: q }, () => 1 + rand(n - 1));
    const cproofs: Uint8Array[][] = [];
    const cGenMs = await timeMsAsync(async () => {
      for (const s of sizes1) cproofs.push(await consistencyProof(store, s, n));
    });
    record({ op: 'consistency proof generation (to size n)', size: sizeLabel(n), ours: (q / cGenMs) * 1000 });
    const roots1: Uint8Array[] = [];
    const rootMs = await timeMsAsync(async () => {
      for (const s of sizes1) roots1.push(await rootAt(store, s));
    });
    record({ op: 'rootAt(random older size)', size: sizeLabel(n), ours: (q / rootMs) * 1000 });
    const cVerMs = timeMs(() => sizes1.forEach((s, k) => verifyConsistency(s, n, cproofs[k], roots1[k], root)));
    record({ op: 'consistency proof verification', size: sizeLabel(n), ours: (q / cVerMs) * 1000 });

    // One more leaf on a big tree: O(1) append vs merkletreejs rebuilding every layer.
    const extra = Buffer.from(hashLeaf(Uint8Array.of(1, 2, 3)));
    const reps = n >= 1_000_000 ? 1 : 3;
    const tAddMs = timeMs(() => {
      for (let r = 0; r < reps; r++) tree.addLeaf(extra, false);
    });
    const oAddMs = timeMs(() => {
      for (let r = 0; r < 1000; r++) ours.range.append(extra, store.onNode);
    });
    if (reps === 1 && !Buffer.from(await rootAt(store, n + 1)).equals(tree.getRoot())) {
      throw new Error('roots differ after addLeaf');
    }
    record({ op: `add one leaf to the tree (ours ×1000, theirs ×${reps})`, size: sizeLabel(n), ours: (1000 / oAddMs) * 1000, theirs: (reps / tAddMs) * 1000, unit: 'leaves/s' });
  }

  console.error(`# done in ${((performance.now() - started) / 1000).toFixed(0)} s, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  // Markdown table.
  console.log('| operation | tree size | libs/merkle | merkletreejs | ratio |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of rows) {
    const unit = r.unit ?? 'ops/s';
    const ours = r.ours === undefined ? '—' : `${fmt(r.ours)} ${unit}`;
    const theirs = r.theirs === undefined ? 'n/a' : `${fmt(r.theirs)} ${unit}`;
    const ratio = r.ours !== undefined && r.theirs !== undefined ? `${fmtRatio(r.ours / r.theirs)}×` : '—';
    console.log(`| ${r.op} | ${r.size} | ${ours} | ${theirs} | ${ratio} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
