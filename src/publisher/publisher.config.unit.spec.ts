import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadPublisherConfig } from './publisher.config.js';

const load = (env: Record<string, string>) => loadPublisherConfig({ HOME: '/nonexistent-home', ...env }, '/data');

describe('loadPublisherConfig', () => {
  it('defaults: enabled, no registries, layout under the data dir, auto mode, 1 s → 5 min backoff', () => {
    const c = load({});
    assert.equal(c.enabled, true);
    assert.equal(c.registries.size, 0);
    assert.equal(c.layoutDir, '/data/oci-layout');
    assert.equal(c.databasePath, '/data/publisher.sqlite');
    assert.equal(c.referrersMode, 'auto');
    assert.equal(c.subjectLookup, 'layout');
    assert.deepEqual(c.retry, { minMs: 1000, maxMs: 300_000 });
    assert.equal(c.concurrency, 4);
    assert.equal(c.repositoryConcurrency, 2);
  });

  it('refuses OCI_REGISTRIES JSON naming a registry twice (escaped or not)', () => {
    assert.throws(() => load({ OCI_REGISTRIES: '{"r.example":{"tls":true},"r.example":{"tls":false}}' }), /twice/);
    assert.throws(() => load({ OCI_REGISTRIES: '{"r.example":{"tls":true,"\\u0074ls":false}}' }), /twice/);
  });

  const lists: [string, Record<string, { tls: boolean }>][] = [
    ['127.0.0.1:5000', { '127.0.0.1:5000': { tls: false } }],
    ['localhost:5000,ghcr.io', { 'localhost:5000': { tls: false }, 'ghcr.io': { tls: true } }],
    ['registry.local:5000=http, GHCR.io=https', { 'registry.local:5000': { tls: false }, 'ghcr.io': { tls: true } }],
    ['127.0.0.1:5000=https', { '127.0.0.1:5000': { tls: true } }],
    ['[::1]:5000', { '[::1]:5000': { tls: false } }],
  ];
  for (const [raw, want] of lists) {
    it(`OCI_REGISTRIES=${raw}`, () => {
      const c = load({ OCI_REGISTRIES: raw });
      assert.deepEqual(Object.fromEntries([...c.registries].map(([h, s]) => [h, { tls: s.tls }])), want);
    });
  }

  it('JSON form with per-host credentials and mode; OCI_REGISTRY_USERNAME/PASSWORD for the others', () => {
    const c = load({
      OCI_REGISTRIES: JSON.stringify({ 'a.example': { username: 'u', password: 'p', referrersMode: 'tag' }, 'b.example:5000': { tls: false } }),
      OCI_REGISTRY_USERNAME: 'bot',
      OCI_REGISTRY_PASSWORD: 'secret',
      OCI_REFERRERS_MODE: 'api',
    });
    assert.deepEqual(c.registries.get('a.example'), { host: 'a.example', tls: true, referrersMode: 'tag', credentials: { username: 'u', password: 'p' } });
    assert.deepEqual(c.registries.get('b.example:5000'), { host: 'b.example:5000', tls: false, referrersMode: 'api', credentials: { username: 'bot', password: 'secret' } });
    const arr = load({ OCI_REGISTRIES: JSON.stringify([{ host: 'c.example', tls: true }]) });
    assert.equal(arr.registries.get('c.example')?.tls, true);
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ OCI_REGISTRIES: 'not a host!' }, /OCI_REGISTRIES/],
    [{ OCI_REGISTRIES: 'a.example=ftp' }, /http or host\[:port\]=https/],
    [{ OCI_REGISTRIES: 'a.example,a.example' }, /configured twice/],
    [{ OCI_REGISTRIES: '{"a.example": {"password": "hunter2"}' }, /^OCI_REGISTRIES is not valid JSON$/],
    [{ OCI_REGISTRIES: '{"a.example": {"username": "u"}}' }, /both be strings/],
    [{ OCI_REGISTRIES: '{"a.example": {"tls": "yes"}}' }, /tls: expected true or false/],
    [{ OCI_REGISTRIES: '{"a.example": {"color": 1}}' }, /unknown key "color"/],
    [{ OCI_REGISTRIES: '{"a.example": {"referrersMode": "sometimes"}}' }, /referrersMode/],
    [{ OCI_REFERRERS_MODE: 'fallback' }, /OCI_REFERRERS_MODE/],
    [{ OCI_REGISTRY_USERNAME: 'u' }, /set together/],
    [{ OCI_PUBLISHER: 'maybe' }, /OCI_PUBLISHER/],
    [{ OCI_SUBJECT_LOOKUP: 'dns' }, /OCI_SUBJECT_LOOKUP/],
    [{ OCI_PUBLISH_RETRY_MIN_MS: '5' }, /OCI_PUBLISH_RETRY_MIN_MS/],
    [{ OCI_PUBLISH_RETRY_MIN_MS: '5000', OCI_PUBLISH_RETRY_MAX_MS: '1000' }, /must be ≥/],
    [{ OCI_PUBLISH_CONCURRENCY: '0' }, /OCI_PUBLISH_CONCURRENCY/],
    [{ OCI_PUBLISH_REPO_CONCURRENCY: 'x' }, /OCI_PUBLISH_REPO_CONCURRENCY/],
  ];
  for (const [env, want] of bad) {
    it(`refuses ${JSON.stringify(env)}`, () => {
      assert.throws(() => load(env), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_CONFIG');
        assert.match(err.message, want);
        assert.doesNotMatch(err.message, /hunter2/, 'secrets are never quoted');
        return true;
      });
    });
  }

  it('OCI_PUBLISHER=off disables publication', () => {
    assert.equal(load({ OCI_PUBLISHER: 'off' }).enabled, false);
  });
});
