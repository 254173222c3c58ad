import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublicationStore } from './publication.store.js';
import { publicationBookCases, publicationRow as row } from './test/publication-book.cases.js';

describe('PublicationStore', () => {
  publicationBookCases(() => new PublicationStore(':memory:'));

  it('is durable across reopen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'publisher-store-'));
    try {
      const a = new PublicationStore(join(dir, 'publisher.sqlite'));
      a.insert([row(7)]);
      a.markFailed(row(7).entryId, { error: 'e', code: 'ERR_OCI_UNAVAILABLE', nextAttemptAt: 42, digest: 'sha256:' + 'c'.repeat(64) }, 10);
      a.close();
      const b = new PublicationStore(join(dir, 'publisher.sqlite'));
      const r = b.get(row(7).entryId)!;
      assert.equal(r.state, 'failed-retrying');
      assert.equal(r.digest, 'sha256:' + 'c'.repeat(64));
      assert.deepEqual(b.dueLanes(42), ['registry:r.example/app']);
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
