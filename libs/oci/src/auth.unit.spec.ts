import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  credentialsFromDockerConfig,
  dockerConfigCredentials,
  dockerConfigPath,
  isLoopbackHost,
  normalizeRegistryHost,
  parseErrorBody,
  parseWwwAuthenticate,
  staticCredentials,
} from './index.js';

describe('parseWwwAuthenticate', () => {
  const table: [string, object[]][] = [
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' } }],
    ],
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    ['basic REALM=plain', [{ scheme: 'basic', params: { realm: 'plain' } }]],
    [
      'Basic realm="a, b", Bearer realm="https://t/token", service=svc',
      [
        { scheme: 'basic', params: { realm: 'a, b' } },
        { scheme: 'bearer', params: { realm: 'https://t/token', service: 'svc' } },
      ],
    ],
    ['Bearer realm="with \\"quote\\""', [{ scheme: 'bearer', params: { realm: 'with "quote"' } }]],
    ['Negotiate abc==, Basic realm="x"', [{ scheme: 'negotiate', params: {} }, { scheme: 'basic', params: { realm: 'x' } }]],
    ['', []],
  ];
  for (const [header, want] of table) it(JSON.stringify(header).slice(0, 70), () => assert.deepEqual(parseWwwAuthenticate(header), want));
});

describe('docker config credentials', () => {
  const auth = (s: string): string => Buffer.from(s).toString('base64');
  it('reads auth (base64 user:pass, colon in password), username/password, identity tokens; normalises host keys', () => {
    const m = credentialsFromDockerConfig({
      auths: {
        'https://index.docker.io/v1/': { auth: auth('hub:pw') },
        'registry.example:5000': { auth: auth('u:p:with:colons') },
        'http://127.0.0.1:5000/': { username: 'plain', password: 'pw2' },
        'ghcr.io': { identitytoken: 'refresh-me' },
        'empty.example': {},
      },
      credsStore: 'desktop',
    });
    assert.deepEqual(m.get('docker.io'), { username: 'hub', password: 'pw' });
    assert.deepEqual(m.get('registry.example:5000'), { username: 'u', password: 'p:with:colons' });
    assert.deepEqual(m.get('127.0.0.1:5000'), { username: 'plain', password: 'pw2' });
    assert.deepEqual(m.get('ghcr.io'), { identityToken: 'refresh-me' });
    assert.equal(m.has('empty.example'), false);
  });
  it('rejects a malformed auth without quoting it', () => {
    assert.throws(
      () => credentialsFromDockerConfig({ auths: { 'r.example': { auth: auth('no-colon-secret') } } }),
      (e: Error & { code?: string }) => e.code === 'ERR_OCI_CREDENTIALS_INVALID' && !e.message.includes('no-colon-secret'),
    );
  });
  it('finds the file via $DOCKER_CONFIG or ~/.docker; a missing file means no credentials', () => {
    assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/etc/dc', HOME: '/home/x' }), '/etc/dc/config.json');
    assert.equal(dockerConfigPath({ HOME: '/home/x' }), '/home/x/.docker/config.json');
    assert.equal(dockerConfigCredentials('/nonexistent/config.json')('r.example'), undefined);
    const dir = mkdtempSync(join(tmpdir(), 'dc-'));
    try {
      writeFileSync(join(dir, 'config.json'), '{"auths": {"r.example": {"auth": "c2VjcmV0LXVzZXI6c2VjcmV0LXB3"}} broken');
      assert.throws(() => dockerConfigCredentials(join(dir, 'config.json')), (e: Error & { code?: string }) => e.code === 'ERR_OCI_CREDENTIALS_INVALID' && !e.message.includes('c2Vj'));
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'R.Example': { auth: auth('a:b') } } }));
      assert.deepEqual(dockerConfigCredentials(join(dir, 'config.json'))('r.example'), { username: 'a', password: 'b' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('explicit credentials win over the fallback source', () => {
    const src = staticCredentials({ 'https://r.example': { username: 'explicit', password: 'x' } }, () => ({ username: 'fallback', password: 'y' }));
    assert.equal(src('r.example')?.username, 'explicit');
    assert.equal(src('other.example')?.username, 'fallback');
  });
  it('normalises hosts', () => {
    assert.equal(normalizeRegistryHost('https://Registry-1.Docker.io/v2/'), 'docker.io');
    assert.equal(normalizeRegistryHost('http://127.0.0.1:5000'), '127.0.0.1:5000');
  });
});

describe('loopback and error bodies', () => {
  it('knows loopback hosts', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['registry.example', '10.0.0.1', '128.0.0.1', 'localhost.example']) assert.equal(isLoopbackHost(h), false, h);
  });
  it('parses distribution error bodies and ignores anything else', () => {
    assert.deepEqual(parseErrorBody('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"v1"}}]}'), [
      { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'v1' } },
    ]);
    assert.deepEqual(parseErrorBody('404 page not found\n'), []);
    assert.deepEqual(parseErrorBody('{"errors":"nope"}'), []);
    assert.deepEqual(parseErrorBody('{broken'), []);
    assert.deepEqual(parseErrorBody('{"errors":[{"message":"no code"},{"code":"DENIED"}]}'), [{ code: 'DENIED' }]);
  });
});
