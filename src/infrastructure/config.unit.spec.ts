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
