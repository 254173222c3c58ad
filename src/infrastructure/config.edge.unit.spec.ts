import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig: the HTTP edge settings', () => {
  it('defaults', () => {
    const c = loadConfig({}, '/srv');
    assert.deepEqual(
      [c.readRateLimitPerMinute, c.maxInflightBytes, c.pageMaxBytes, c.maxUrlBytes, c.requestTimeoutMs],
      [60000, 64 * 1024 * 1024, 4 * 1024 * 1024, 8192, 60000],
    );
  });
  it('reads them from the environment', () => {
    const c = loadConfig({ READ_RATE_LIMIT_PER_MINUTE: '0', MAX_INFLIGHT_BYTES: '2097152', PAGE_MAX_BYTES: '65536', MAX_URL_BYTES: '1024', HTTP_REQUEST_TIMEOUT_MS: '5000' }, '/srv');
    assert.deepEqual([c.readRateLimitPerMinute, c.maxInflightBytes, c.pageMaxBytes, c.maxUrlBytes, c.requestTimeoutMs], [0, 2097152, 65536, 1024, 5000]);
  });
  const bad: Record<string, string>[] = [
    { MAX_INFLIGHT_BYTES: '1000' }, // below MAX_BODY_BYTES: no large statement could ever register
    { MAX_BODY_BYTES: '2097152', MAX_INFLIGHT_BYTES: '1048576' },
    { PAGE_MAX_BYTES: '100' },
    { MAX_URL_BYTES: '20000' }, // above what Node's parser lets through (its header limit answers first)
    { HTTP_REQUEST_TIMEOUT_MS: '10' },
    { READ_RATE_LIMIT_PER_MINUTE: '-1' },
  ];
  for (const env of bad) {
    it(`refuses ${JSON.stringify(env)}`, () => assert.throws(() => loadConfig(env, '/srv'), ConfigError));
  }
});
