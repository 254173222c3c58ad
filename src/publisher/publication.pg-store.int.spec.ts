/**
 * The publisher's work list on real PostgreSQL (own schema, dropped) behaves as the SQLite one:
 * the same cases (test/publication-book.cases.ts: idempotent inserts, due lanes and rows, the next
 * wake-up, published rows never un-published); and two stores on one schema (two nodes) see each
 * other's rows.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { POSTGRES_TEST_URL, dropSchema, needPostgres, testSchema } from '../../libs/event-store/test/postgres.fixture.js';
import { PgPublicationStore } from './publication.pg-store.js';
import { publicationBookCases, publicationRow as row } from './test/publication-book.cases.js';

const skip = await needPostgres();

describe('publication work list (PostgreSQL): the cases of the SQLite store', { skip }, () => {
  const schemas: string[] = [];
  after(async () => {
    for (const s of schemas) await dropSchema(s);
  });
  publicationBookCases(() => {
    const schema = testSchema('pub');
    schemas.push(schema);
    return new PgPublicationStore({ connectionString: POSTGRES_TEST_URL, schema });
  });
});

describe('publication work list shared by two nodes (PostgreSQL)', { skip }, () => {
  const schema = testSchema('pub');
  after(() => dropSchema(schema));

  it("a new leader's store sees the rows the old leader recorded and left open, and their state", async () => {
    const open = (): PgPublicationStore => new PgPublicationStore({ connectionString: POSTGRES_TEST_URL, schema });
    const [a, b] = [open(), open()]; // created at once: both create the table
    try {
      await Promise.all([a.insert([row(1), row(2)]), b.insert([row(2), row(3)])]);
      await a.markPublished(row(1), { digest: 'sha256:' + 'd'.repeat(64), via: 'api' }, 2000);
      await a.markFailed(row(2), { error: 'down', code: 'ERR_OCI_NETWORK', nextAttemptAt: 3000 }, 2000);
      await a.close();
      assert.deepEqual(await b.counts(), { pending: 1, published: 1, failedRetrying: 1 });
      assert.deepEqual((await b.dueInLane('registry:r.example/app', 3000, 10)).map((r) => [r.logIndex, r.state]), [[3, 'pending'], [2, 'failed-retrying']]);
    } finally {
      await b.close();
    }
  });
});
