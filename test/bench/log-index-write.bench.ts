/**
 * `npm run bench:log-index-write` — what one sequenced batch costs the log index's write
 * (`LogIndexStore.writeBatch`, the transaction the sequencer runs on the main thread after each
 * durable append), by batch size, in one run: CPU per entry and per batch, and the ratio of each
 * size's cost per entry to the largest size's (the baseline).
 *
 * Each size gets a fresh index file filled with BENCH_FILL entries first (default 20,000: the
 * index's b-trees at a realistic depth), then BENCH_MEASURE entries (default 12,000) are written
 * and measured with `process.cpuUsage` (the write is synchronous: all of it runs on this thread,
 * SQLite and the kernel's share of its syscalls included). Sizes are alternated over BENCH_ROUNDS
 * rounds (default 3) and the median is printed. Entries look like the service's: ≈ 1.5 KB of
 * statement, random 64-hex entry and statement ids, a collection subject, the tree nodes each
 * batch completes (from a real compact range), a checkpoint row and the right edge.
 *
 * After the CPU rounds, each size's WAL volume: BENCH_FRAMES entries more (default 2,000) on the
 * filled file with automatic checkpoints off, the WAL's growth counted in frames (one b-tree page
 * each) per entry and per batch — what the WAL checkpointer must copy back and the kernel write.
 *
 * Env: BENCH_BATCHES (default `1,4,16,64`), BENCH_FILL, BENCH_MEASURE, BENCH_ROUNDS, BENCH_FRAMES.
 * What it showed is in docs/benchmarks.md ("Issue #17, sixth pass").
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeWrite } from '../../libs/ledger/src/index.js';
import { CompactRange } from '../../libs/merkle/src/index.js';
import { LogIndexStore, type BatchRecord } from '../../src/log/log-index.store.js';

const BATCHES = (process.env.BENCH_BATCHES ?? '1,4,16,64').split(',').map(Number);
const FILL = Number(process.env.BENCH_FILL ?? 20_000);
const MEASURE = Number(process.env.BENCH_MEASURE ?? 12_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FRAMES = Number(process.env.BENCH_FRAMES ?? 2_000);
if (BATCHES.some((b) => !Number.isInteger(b) || b < 1)) throw new Error(`BENCH_BATCHES=${process.env.BENCH_BATCHES}: expected positive integers separated by commas`);

const statement = randomBytes(1474);

/** The next batch of `size` entries after `range` (advanced in place), as the sequencer writes it. */
function nextBatch(range: CompactRange, size: number, appliedEvents: number): BatchRecord {
  const nodes: NodeWrite[] = [];
  const entries: BatchRecord['entries'][number][] = [];
  const treeSize = range.size + size;
  const registeredAt = new Date().toISOString();
  for (let i = 0; i < size; i++) {
    const index = range.size;
    range.append(randomBytes(32), (level, idx, hash) => nodes.push({ level, index: idx, hash }));
    entries.push({
      index,
      entryId: randomBytes(32).toString('hex'),
      statementId: randomBytes(32).toString('hex'),
      iss: 'https://ci.bench.example',
      sub: `registry.example/app@sha256:${randomBytes(32).toString('hex')}`,
      contentType: 'application/json',
      kid: 'bench-key',
      registeredAt,
      receiptTreeSize: treeSize,
      entry: statement,
    });
  }
  const checkpoint = { treeSize, root: range.root(), protectedHeader: randomBytes(40), signature: randomBytes(64), signedAt: registeredAt };
  return { entries, nodes, checkpoint, range: range.clone(), appliedEvents }; // its own right edge, as the sequencer's plan
}

/** CPU µs per entry of writing MEASURE entries in batches of `size`, after FILL entries. */
function measure(size: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'scitt-lix-bench-'));
  const index = new LogIndexStore(join(dir, 'log-index.sqlite'), { keepLatest: true });
  try {
    const range = new CompactRange();
    let events = 0;
    const write = (n: number): void => {
      for (let done = 0; done < n; done += size) index.writeBatch(nextBatch(range, size, (events += size + 1)));
    };
    write(FILL);
    // the batches are built outside the measured window: only the write is counted
    const batches: BatchRecord[] = [];
    for (let done = 0; done < MEASURE; done += size) batches.push(nextBatch(range, size, (events += size + 1)));
    const t0 = process.cpuUsage();
    for (const b of batches) index.writeBatch(b);
    const t = process.cpuUsage(t0);
    return (t.user + t.system) / (batches.length * size);
  } finally {
    index.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** WAL frames per entry of writing FRAMES entries in batches of `size`, after FILL entries, with automatic checkpoints off. */
function frames(size: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'scitt-lix-bench-'));
  const path = join(dir, 'log-index.sqlite');
  try {
    const range = new CompactRange();
    let events = 0;
    const filled = new LogIndexStore(path, { keepLatest: true });
    for (let done = 0; done < FILL; done += size) filled.writeBatch(nextBatch(range, size, (events += size + 1)));
    filled.close();
    const index = new LogIndexStore(path, { keepLatest: true, autoCheckpointPages: 0 });
    const other = new Database(path);
    other.pragma('wal_checkpoint(TRUNCATE)');
    const pageSize = other.pragma('page_size', { simple: true }) as number;
    for (let done = 0; done < FRAMES; done += size) index.writeBatch(nextBatch(range, size, (events += size + 1)));
    const walBytes = statSync(`${path}-wal`).size - 32; // the WAL's header, then frames of 24 + page bytes
    other.close();
    index.close();
    return walBytes / (24 + pageSize) / (Math.ceil(FRAMES / size) * size);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  console.log(`log-index write (LogIndexStore.writeBatch, WAL, synchronous=NORMAL): ${FILL} entries first, then ${MEASURE} measured; ${ROUNDS} rounds, sizes alternated`);
  const samples = new Map<number, number[]>(BATCHES.map((b) => [b, []]));
  for (let r = 0; r < ROUNDS; r++) for (const b of BATCHES) samples.get(b)!.push(measure(b));
  const baseline = Math.max(...BATCHES);
  const base = median(samples.get(baseline)!);
  for (const b of BATCHES) {
    const perEntry = median(samples.get(b)!);
    console.log(
      `  batch of ${String(b).padStart(3)}: ${perEntry.toFixed(0).padStart(4)} µs per entry, ${(perEntry * b).toFixed(0).padStart(5)} µs per batch  ` +
        `(${(perEntry / base).toFixed(2)}× the batch of ${baseline}'s cost per entry; rounds ${samples.get(b)!.map((x) => x.toFixed(0)).join(' / ')})`,
    );
  }
  if (FRAMES <= 0) return;
  console.log(`WAL written (${FRAMES} entries more, automatic checkpoints off):`);
  for (const b of BATCHES) {
    const f = frames(b);
    console.log(`  batch of ${String(b).padStart(3)}: ${f.toFixed(2)} frames (pages) per entry, ${(f * b).toFixed(1)} per batch`);
  }
}

main();
