import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

const cluster = { EVENT_STORE: 'postgres', POSTGRES_URL: 'postgres://db/scitt', LOG_ID: 'log-1', SERVICE_KEY_FILE: '/keys/k.pem', SERVICE_ISSUER: 'https://ledger.example', NODE_SECRET_FILE: 'secrets/node' };

describe('config: NODE_ROLE (several nodes, one sequencer)', () => {
  it('defaults to one node; auto and follower take an id, a URL and lease timings', () => {
    assert.equal(loadConfig({}, '/tmp').node.mode, 'single');
    const n = loadConfig({ ...cluster, NODE_ROLE: 'auto', NODE_ID: 'n1', NODE_URL: 'http://n1:8080', LEASE_TTL_MS: '5000', LEASE_RETRY_MS: '100' }, '/tmp').node;
    assert.deepEqual(n, { mode: 'auto', id: 'n1', url: 'http://n1:8080', leaseTtlMs: 5000, leaseRetryMs: 100, secretFile: '/tmp/secrets/node', testLeaseLossNoticeDelayMs: 0 });
    assert.equal(loadConfig({ ...cluster, NODE_ROLE: 'follower', PORT: '9000' }, '/tmp').node.id.endsWith(':9000'), true, 'default id: hostname:port');
  });

  it('refuses what would make nodes disagree or not reach each other, naming the variable', () => {
    const table: [Record<string, string>, RegExp][] = [
      [{ NODE_ROLE: 'leader' }, /NODE_ROLE="leader" is not valid: expected one of single, auto, follower/],
      [{ NODE_ROLE: 'auto' }, /NODE_ROLE=auto needs EVENT_STORE=postgres/],
      [{ ...cluster, NODE_ROLE: 'auto', LOG_ID: '' }, /NODE_ROLE=auto needs LOG_ID/],
      [{ ...cluster, NODE_ROLE: 'auto', SERVICE_KEY_FILE: '' }, /NODE_ROLE=auto needs SERVICE_KEY_FILE/],
      [{ ...cluster, NODE_ROLE: 'follower', SERVICE_ISSUER: '' }, /NODE_ROLE=follower needs SERVICE_ISSUER/],
      [{ ...cluster, NODE_ROLE: 'auto', NODE_URL: 'http://n1:8080/path' }, /NODE_URL="http:\/\/n1:8080\/path" is not valid/],
      [{ ...cluster, NODE_ROLE: 'auto', NODE_ID: 'a b' }, /NODE_ID="a b" is not valid/],
      [{ ...cluster, NODE_ROLE: 'auto', LEASE_TTL_MS: '50' }, /LEASE_TTL_MS="50" is not valid/],
      [{ ...cluster, NODE_ROLE: 'auto', NODE_SECRET_FILE: '' }, /NODE_ROLE=auto needs NODE_SECRET_FILE/],
      [{ NODE_SECRET_FILE: '/s' }, /NODE_SECRET_FILE is set but NODE_ROLE=single/],
      [{ ...cluster, NODE_ROLE: 'auto', TEST_ONLY_LEASE_LOSS_NOTICE_DELAY_MS: '5000' }, /test knob .* refused unless NODE_ENV=test/],
      [{ TEST_ONLY_LEASE_LOSS_NOTICE_DELAY_MS: '5000', NODE_ENV: 'test' }, /needs NODE_ROLE=auto\|follower/],
    ];
    for (const [env, message] of table) assert.throws(() => loadConfig(env, '/tmp'), (err: Error) => err instanceof ConfigError && message.test(err.message), JSON.stringify(env));
  });

  it('takes submitter authentication on a node of several (the hand-over carries the node credential), and the test knob only under NODE_ENV=test', () => {
    const c = loadConfig({ ...cluster, NODE_ROLE: 'auto', AUTH_TOKENS_FILE: '/etc/tokens.json' }, '/tmp');
    assert.equal(c.auth.tokensFile, '/etc/tokens.json');
    assert.equal(loadConfig({ ...cluster, NODE_ROLE: 'auto', TEST_ONLY_LEASE_LOSS_NOTICE_DELAY_MS: '5000', NODE_ENV: 'test' }, '/tmp').node.testLeaseLossNoticeDelayMs, 5000);
  });
});
