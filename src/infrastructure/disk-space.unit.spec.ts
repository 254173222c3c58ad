import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { displayPath } from '../common/display-path.js';
import { checkFreeSpace, DiskFullError, explainDiskFull, isDiskFull, probeWritable } from './disk-space.js';

describe('disk space', () => {
  it('recognises a real ENOSPC (a write to /dev/full) and SQLite\'s "database or disk is full", also as a cause', { skip: existsSync('/dev/full') ? false : 'no /dev/full here' }, () => {
    let enospc: unknown;
    try {
      writeFileSync('/dev/full', 'x');
    } catch (err) {
      enospc = err;
    }
    assert.equal((enospc as NodeJS.ErrnoException).code, 'ENOSPC');
    assert.ok(isDiskFull(enospc));
    assert.ok(isDiskFull(new Error('wrapped', { cause: Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }) })));
    assert.ok(!isDiskFull(new Error('database is locked')));
    const explained = explainDiskFull(enospc, tmpdir());
    assert.ok(explained instanceof DiskFullError);
    assert.match((explained as Error).message, /^the disk holding the data directory is full \([0-9.]+ MiB free\): ENOSPC/);
    const other = new Error('something else');
    assert.equal(explainDiskFull(other, tmpdir()), other);
  });

  it('refuses less free space than required, and the write probe passes on a disk with room', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scitt-disk-'));
    try {
      assert.throws(() => checkFreeSpace(dir, 2 ** 52), (err: Error & { code?: string }) => err.code === 'ERR_DISK_FULL' && !err.message.includes(dir));
      checkFreeSpace(dir, 0);
      probeWritable(dir, 1024);
      assert.ok(!existsSync(join(dir, '.write-probe')), 'the probe file is removed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows paths relative to the data directory, never absolute', () => {
    assert.equal(displayPath('/srv/ledger/oci-layout', '/srv/ledger'), 'DATA_DIR/oci-layout');
    assert.equal(displayPath('/srv/ledger', '/srv/ledger'), 'DATA_DIR');
    assert.equal(displayPath('/mnt/layouts/prod', '/srv/ledger'), '…/prod');
  });
});
