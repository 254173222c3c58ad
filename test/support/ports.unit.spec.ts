import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort, testPortRange } from './ports.js';

describe('test ports (test/support/ports.ts)', () => {
  it('take a range outside the kernel ephemeral ports: below them when there is room, else above, else none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ports-'));
    try {
      const file = join(dir, 'range');
      writeFileSync(file, '32768\t60999\n');
      assert.deepEqual(testPortRange(file), { from: 10_000, to: 32_767 });
      writeFileSync(file, '1024 40000\n');
      assert.deepEqual(testPortRange(file), { from: 40_001, to: 65_535 });
      writeFileSync(file, '1024 65000\n');
      assert.equal(testPortRange(file), undefined);
      writeFileSync(file, 'garbage\n');
      assert.equal(testPortRange(file), undefined);
      assert.equal(testPortRange(join(dir, 'missing')), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hands out distinct ports that a server can bind, outside the ephemeral range on this machine', async () => {
    const range = testPortRange();
    const ports = new Set<number>();
    for (let i = 0; i < 20; i++) ports.add(await freePort());
    assert.equal(ports.size, 20);
    for (const port of ports) {
      if (range) assert.ok(port >= range.from && port <= range.to, `${port} in ${range.from}–${range.to}`);
      const s = createServer((c) => c.end('ok'));
      await new Promise<void>((resolve, reject) => s.once('error', reject).listen(port, '127.0.0.1', resolve));
      const got = await new Promise<string>((resolve, reject) => {
        let data = '';
        createConnection(port, '127.0.0.1').setEncoding('utf8').on('data', (d) => (data += d)).on('end', () => resolve(data)).on('error', reject);
      });
      assert.equal(got, 'ok');
      await new Promise((r) => s.close(r));
    }
  });

  it('skips a port something listens on, and one it handed out before', async (t) => {
    const range = testPortRange();
    if (!range) return t.skip('no ip_local_port_range here: freePort takes the kernel pick, free by construction');
    const width = range.to - range.from + 1;
    const at = (port: number): number => (port - range.from + 0.5) / width; // random() value that picks `port`
    const held = await freePort();
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(held, '127.0.0.1', resolve));
    try {
      const again = await freePort();
      let next = again;
      do next = range.from + ((next - range.from + 7) % width);
      while (next === held);
      const picks = [at(held), at(again), at(next)];
      const got = await freePort(() => picks.shift() ?? Math.random());
      assert.equal(got, next, 'the held port and the one handed out before are passed over');
    } finally {
      await new Promise((r) => s.close(r));
    }
  });
});
