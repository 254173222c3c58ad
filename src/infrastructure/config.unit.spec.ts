import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

describe('config: EVENT_STORE', () => {
  it('defaults to the embedded store; postgres needs POSTGRES_URL and takes POSTGRES_SCHEMA', () => {
    assert.deepEqual(loadConfig({}, '/tmp').eventStore, { kind: 'sqlite' });
    assert.deepEqual(loadConfig({ EVENT_STORE: 'postgres', POSTGRES_URL: 'postgres://scitt@db:5432/scitt' }, '/tmp').eventStore, {
      kind: 'postgres',
      connectionString: 'postgres://scitt@db:5432/scitt',
      schema: 'scitt',
    });
    assert.equal(loadConfig({ EVENT_STORE: 'postgres', POSTGRES_URL: 'postgresql://db/x', POSTGRES_SCHEMA: 'ledger_2' }, '/tmp').eventStore.kind, 'postgres');
  });

  it('refuses a missing or malformed POSTGRES_URL, a bad schema and an unknown store, naming the variable', () => {
    const table: [Record<string, string>, RegExp][] = [
      [{ EVENT_STORE: 'postgres' }, /EVENT_STORE=postgres needs POSTGRES_URL/],
      [{ EVENT_STORE: 'postgres', POSTGRES_URL: 'not a url' }, /POSTGRES_URL is not a URL/],
      [{ EVENT_STORE: 'postgres', POSTGRES_URL: 'mysql://db/x' }, /POSTGRES_URL has the scheme "mysql:"/],
      [{ EVENT_STORE: 'postgres', POSTGRES_URL: 'postgres://db/x', POSTGRES_SCHEMA: 'Bad-Name' }, /POSTGRES_SCHEMA="Bad-Name" is not valid/],
      [{ EVENT_STORE: 'mysql' }, /EVENT_STORE="mysql" is not valid: expected one of sqlite, kurrentdb, postgres/],
    ];
    for (const [env, message] of table) assert.throws(() => loadConfig(env, '/tmp'), (err: Error) => err instanceof ConfigError && message.test(err.message), JSON.stringify(env));
  });
});

describe('config: one error naming every bad variable', () => {
  it('a bad OCI_REGISTRIES, a bad SEQUENCER_MAX_BATCH and a bad LOG_FORMAT come back together, in one ConfigError', () => {
    assert.throws(
      () => loadConfig({ OCI_REGISTRIES: 'not a host!', SEQUENCER_MAX_BATCH: '0', LOG_FORMAT: 'xml', HOME: '/nonexistent' }, '/tmp'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, 'ERR_CONFIG');
        assert.equal(err.problems.length, 3, err.message);
        assert.match(err.message, /^3 settings are not valid:/);
        assert.match(err.message, /OCI_REGISTRIES/);
        assert.match(err.message, /SEQUENCER_MAX_BATCH="0" is not valid/);
        assert.match(err.message, /LOG_FORMAT="xml" is not valid/);
        return true;
      },
    );
  });

  it('groups with their own parsers (auth, Kafka, publisher, event store) report alongside the plain variables', () => {
    const env = { AUTH_READ: 'maybe', KAFKA_BROKERS: 'nohostport', OCI_PUBLISH_CONCURRENCY: '0', EVENT_STORE: 'postgres', PORT: '99999', HOME: '/nonexistent' };
    assert.throws(() => loadConfig(env, '/tmp'), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const names = ['AUTH_READ', 'KAFKA_BROKERS', 'OCI_PUBLISH_CONCURRENCY', 'POSTGRES_URL', 'PORT'];
      for (const n of names) assert.ok(err.problems.some((p) => p.includes(n)), `${n} in ${err.message}`);
      assert.equal(err.problems.length, names.length);
      return true;
    });
  });

  it('one bad variable reads as before: just its own message', () => {
    assert.throws(() => loadConfig({ PORT: 'x' }, '/tmp'), (err: unknown) => err instanceof ConfigError && err.message === 'PORT="x" is not valid: expected an integer from 0 to 65535');
  });

  it('reads the settings other threads and programs used to read themselves', () => {
    const c = loadConfig({ SQLITE_WORKER: 'false', PROJECTIONS_DB: 'p.sqlite', KAFKA_BROKERS: 'k:9092', OCI_REGISTRIES: '127.0.0.1:5000', HOME: '/nonexistent' }, '/srv');
    assert.equal(c.sqliteWorker, false);
    assert.equal(c.projectionsPath, '/srv/p.sqlite');
    assert.deepEqual(c.kafka?.brokers, ['k:9092']);
    assert.equal(c.publisher.registries.get('127.0.0.1:5000')?.tls, false);
    assert.equal(loadConfig({ DATA_DIR: '/d' }, '/srv').projectionsPath, '/d/projections.sqlite');
    assert.throws(() => loadConfig({ SQLITE_WORKER: 'no' }, '/srv'), /SQLITE_WORKER="no" is not valid/);
  });
});
