/**
 * The publisher's work list on real PostgreSQL (own schema, dropped) behaves as the SQLite one:
 * the same cases run against both (idempotent inserts, due lanes and rows, the next wake-up,
 * published rows never un-published); and two stores on one schema (two nodes) see each other's rows.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { POSTGRES_TEST_URL, dropSchema, needPostgres, testSchema } from '../../libs/event-store/test/postgres.fixture.js';
import { PgPublicationStore } from './publication.pg-store.js';
import { PublicationStore, type NewPublication, type PublicationBook } from './publication.store.js';

const skip = await needPostgres();

const row = (n: number, over: Partial<NewPublication> = {}): NewPublication => ({
  entryId: n.toString(16).padStart(64, '0'),
  logIndex: n,
  subject: `r.example/app@sha256:${'a'.repeat(64)}`,
  registry: 'r.example',
  repository: 'app',
  subjectDigest: `sha256:${'a'.repeat(64)}`,
  targetKind: 'registry',
  artifactType: 'application/scitt-receipt+cose',
  createdAt: 1000,
  ...over,
});

const schemas: string[] = [];
const kinds: [string, () => PublicationBook][] = [
  ['SQLite', () => new PublicationStore(':memory:')],
  ['PostgreSQL', () => {
    const schema = testSchema('pub');
    schemas.push(schema);
    return new PgPublicationStore({ connectionString: POSTGRES_TEST_URL, schema });
  }],
];

for (const [kind, open] of kinds) {
  describe(`publication work list (${kind})`, { skip: kind === 'PostgreSQL' ? skip : false }, () => {
    after(async () => {
      for (const s of schemas.splice(0)) await dropSchema(s);
    });

    it('inserts idempotently (re-delivered events leave the state alone)', async () => {
      const s = open();
      try {
        assert.equal(await s.insert([row(1), row(2)]), 2);
        await s.markFailed(row(1).entryId, { error: 'down', code: 'ERR_OCI_NETWORK', nextAttemptAt: 5000 }, 2000);
        assert.equal(await s.insert([row(1), row(2), row(3)]), 1);
        assert.equal(await s.insert([]), 0);
        const r1 = (await s.get(row(1).entryId))!;
        assert.equal(r1.state, 'failed-retrying');
        assert.equal(r1.attempts, 1);
        assert.equal(r1.nextAttemptAt, 5000);
        assert.equal(r1.lastErrorCode, 'ERR_OCI_NETWORK');
        assert.equal(r1.logIndex, 1);
        assert.equal(r1.createdAt, 1000);
        assert.equal(await s.get('f'.repeat(64)), undefined);
        assert.deepEqual(await s.counts(), { pending: 2, published: 0, failedRetrying: 1 });
        assert.deepEqual(await s.backlogByTarget(), { 'r.example': 3 });
      } finally {
        await s.close();
      }
    });

    it('lists due lanes and rows, oldest due first; the next wake-up time; published rows drop out', async () => {
      const s = open();
      try {
        await s.insert([row(1), row(2), row(3, { repository: 'other' }), row(4, { targetKind: 'oci-layout' })]);
        await s.markFailed(row(2).entryId, { error: 'x', code: 'ERR_X', nextAttemptAt: 9000 }, 1500);
        assert.deepEqual(new Set(await s.dueLanes(1000)), new Set(['registry:r.example/app', 'registry:r.example/other', 'oci-layout:r.example/app']));
        assert.deepEqual((await s.dueInLane('registry:r.example/app', 1000, 10)).map((r) => r.logIndex), [1]);
        assert.deepEqual((await s.dueInLane('registry:r.example/app', 9000, 10)).map((r) => r.logIndex), [1, 2]);
        assert.deepEqual((await s.dueInLane('registry:r.example/app', 9000, 1)).map((r) => r.logIndex), [1]);
        assert.equal(await s.nextAttemptAfter(1000), 9000);
        assert.equal(await s.nextAttemptAfter(9000), undefined);
        await s.markPublished(row(2).entryId, { digest: 'sha256:' + 'b'.repeat(64), via: 'tag' }, 9500);
        const r2 = (await s.get(row(2).entryId))!;
        assert.equal(r2.state, 'published');
        assert.equal(r2.attempts, 2);
        assert.equal(r2.lastError, undefined);
        assert.equal(r2.publishedAt, 9500);
        assert.equal(r2.via, 'tag');
        assert.equal(await s.nextAttemptAfter(1000), undefined);
        // a late failure report (the old leader's attempt in hand) never un-publishes
        await s.markFailed(row(2).entryId, { error: 'late', code: 'ERR_X', nextAttemptAt: 1 }, 9600);
        assert.equal((await s.get(row(2).entryId))!.state, 'published');
        assert.deepEqual(await s.backlogByTarget(), { 'r.example': 2, 'oci-layout': 1 });
      } finally {
        await s.close();
      }
    });
  });
}

describe('publication work list shared by two nodes (PostgreSQL)', { skip }, () => {
  const schema = testSchema('pub');
  after(() => dropSchema(schema));

  it("a new leader's store sees the rows the old leader recorded and left open, and their state", async () => {
    const open = (): PgPublicationStore => new PgPublicationStore({ connectionString: POSTGRES_TEST_URL, schema });
    const [a, b] = [open(), open()]; // created at once: both create the table
    try {
      await Promise.all([a.insert([row(1), row(2)]), b.insert([row(2), row(3)])]);
      await a.markPublished(row(1).entryId, { digest: 'sha256:' + 'd'.repeat(64), via: 'api' }, 2000);
      await a.markFailed(row(2).entryId, { error: 'down', code: 'ERR_OCI_NETWORK', nextAttemptAt: 3000 }, 2000);
      await a.close();
      assert.deepEqual(await b.counts(), { pending: 1, published: 1, failedRetrying: 1 });
      assert.deepEqual((await b.dueInLane('registry:r.example/app', 3000, 10)).map((r) => [r.logIndex, r.state]), [[3, 'pending'], [2, 'failed-retrying']]);
    } finally {
      await b.close();
    }
  });
});
