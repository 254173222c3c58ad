import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHUNK_BYTES, logEntriesStream, type EntriesSource } from './log-entries.stream.js';

/** An in-memory log of `sizes.length` entries; records each read and whether the event loop turned before it. */
function memoryLog(sizes: number[]) {
  const rows = sizes.map((n, i) => ({
    index: i, entryId: i.toString(16).padStart(64, '0'), statementId: i.toString(16).padStart(64, 'f'), iss: 'https://i.example', sub: `s${i}`, contentType: 'application/json', kid: 'ab',
    registeredAt: '2026-01-01T00:00:00.000Z', receiptTreeSize: sizes.length, entry: new Uint8Array(n).fill(i & 0xff),
  }));
  let ticks = 0;
  const tick = (): void => {
    ticks++;
    if (running) setImmediate(tick);
  };
  let running = true;
  setImmediate(tick);
  const reads: { start: number; rows: number; bytes: number; ticksBefore: number }[] = [];
  const src: EntriesSource = {
    entrySizesFrom: (start, limit) => rows.slice(start, start + limit).map((r) => ({ index: r.index, bytes: r.entry.length })),
    entriesFrom: (start, limit) => {
      const got = rows.slice(start, start + limit);
      reads.push({ start, rows: got.length, bytes: got.reduce((a, r) => a + r.entry.length, 0), ticksBefore: ticks });
      return got;
    },
  };
  return { src, reads, stop: () => (running = false) };
}

async function read(stream: NodeJS.ReadableStream): Promise<{ text: string; chunks: number }> {
  let text = '';
  let chunks = 0;
  for await (const c of stream) {
    text += c.toString();
    chunks++;
  }
  return { text, chunks };
}

describe('logEntriesStream', () => {
  it('ends the page before the item that would pass maxBytes; next continues there', async () => {
    const log = memoryLog(Array(10).fill(1_000_000));
    const { text } = await read(logEntriesStream(log.src, { start: 0, limit: 1000, size: 10, maxBytes: 4 * 1024 * 1024 }));
    log.stop();
    const page = JSON.parse(text) as { items: { index: number; entry: string }[]; next: number };
    assert.ok(Buffer.byteLength(text) <= 4 * 1024 * 1024);
    assert.equal(page.items.length, 3, '3 × 1.33 MB of base64 fit in 4 MiB, 4 do not');
    assert.equal(page.next, 3);
    assert.equal(Buffer.from(page.items[2]!.entry, 'base64url').length, 1_000_000);
  });

  it('reads about CHUNK_BYTES per turn of the event loop, and lets it turn between reads', async () => {
    const log = memoryLog(Array(200).fill(20_000)); // 4 MB of small entries
    const { text } = await read(logEntriesStream(log.src, { start: 0, limit: 1000, size: 200, maxBytes: 64 * 1024 * 1024 }));
    log.stop();
    assert.equal((JSON.parse(text) as { items: unknown[] }).items.length, 200);
    assert.ok(log.reads.length >= 4000_000 / CHUNK_BYTES - 1, `${log.reads.length} reads`);
    for (const r of log.reads) assert.ok(r.bytes <= CHUNK_BYTES || r.rows === 1, `a read of ${r.bytes} bytes`);
    for (let i = 1; i < log.reads.length; i++) assert.ok(log.reads[i]!.ticksBefore > log.reads[i - 1]!.ticksBefore, `the event loop turned before read ${i}`);
  });

  it('always returns the first item, even larger than maxBytes; counts and the log end bound it too', async () => {
    const log = memoryLog([3_000_000, 10, 10, 10]);
    const big = JSON.parse((await read(logEntriesStream(log.src, { start: 0, limit: 1000, size: 4, maxBytes: 65536 }))).text) as { items: unknown[]; next: number | null };
    assert.deepEqual([big.items.length, big.next], [1, 1]);
    const counted = JSON.parse((await read(logEntriesStream(log.src, { start: 1, limit: 2, size: 4, maxBytes: 65536 }))).text) as { items: unknown[]; next: number | null };
    assert.deepEqual([counted.items.length, counted.next], [2, 3]);
    const end = JSON.parse((await read(logEntriesStream(log.src, { start: 1, limit: 1000, size: 3, maxBytes: 65536 }))).text) as { items: unknown[]; next: number | null };
    assert.deepEqual([end.items.length, end.next], [2, null], 'stops at the size the caller saw; null at the end of the log');
    const empty = JSON.parse((await read(logEntriesStream(log.src, { start: 4, limit: 10, size: 4, maxBytes: 65536 }))).text) as { items: unknown[]; next: number | null };
    assert.deepEqual(empty, { items: [], next: null });
    log.stop();
  });
});
