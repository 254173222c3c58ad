import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { htpasswdSkip, registrySkip, startRegistry, type TestRegistry } from '../../../test/support/registry.js';
import { pushTestCollection } from '../../../test/support/registry-collection.js';
import { sampleArtifact } from '../../../test/support/registry-fixtures.js';
import { startTokenProxy, type TokenProxy } from '../../../test/support/registry-token-proxy.js';
import { RegistryClient, RegistryError, RegistryReferrerTarget, dockerConfigCredentials } from './index.js';

/** Runs fn with console.* captured; returns everything printed. */
async function captureConsole(fn: () => Promise<void>): Promise<string> {
  const out: string[] = [];
  const saved = { log: console.log, error: console.error, warn: console.warn, info: console.info, debug: console.debug };
  for (const k of Object.keys(saved) as (keyof typeof saved)[]) console[k] = (...a: unknown[]) => out.push(a.map(String).join(' '));
  try {
    await fn();
  } finally {
    Object.assign(console, saved);
  }
  return out.join('\n');
}

describe('Basic auth against docker-registry with htpasswd', { skip: htpasswdSkip() }, () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry({ auth: 'htpasswd' });
  });
  after(async () => reg?.dispose());

  it('pushes and pulls with explicit credentials', async () => {
    const client = new RegistryClient({ registry: reg.host, credentials: reg.user! });
    const refs = RegistryReferrerTarget.forClient(client);
    await client.ping();
    const basic = 'Basic ' + Buffer.from(`${reg.user!.username}:${reg.user!.password}`).toString('base64');
    const c = await pushTestCollection(reg.url, 'secure/app', { authorization: basic });
    assert.deepEqual(await client.headManifest('secure/app', c.descriptor.digest), c.descriptor);
    const a = sampleArtifact(c.descriptor, 1);
    await refs.pushReferrer({ registry: client.registry, repository: 'secure/app' }, a);
    assert.deepEqual((await refs.listReferrers({ registry: client.registry, repository: 'secure/app' }, c.descriptor.digest)).map((d) => d.digest), [a.digest]);
  });

  it('reads credentials from a docker config.json (auth = base64 user:pass)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docker-config-'));
    try {
      const auth = Buffer.from(`${reg.user!.username}:${reg.user!.password}`).toString('base64');
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [`http://${reg.host}`]: { auth } } }));
      const client = new RegistryClient({ registry: reg.host, credentials: dockerConfigCredentials(join(dir, 'config.json')) });
      await client.ping();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a wrong password is a typed ERR_OCI_UNAUTHORIZED, and the password appears nowhere', async () => {
    const password = 'wrong-' + reg.user!.password;
    const client = new RegistryClient({ registry: reg.host, credentials: { username: reg.user!.username, password } });
    let err: unknown;
    const printed = await captureConsole(async () => {
      err = await client.ping().then(() => undefined, (e: unknown) => e);
    });
    assert.ok(err instanceof RegistryError);
    assert.equal(err.code, 'ERR_OCI_UNAUTHORIZED');
    assert.equal(err.status, 401);
    assert.equal(err.registryCode, 'UNAUTHORIZED');
    assert.equal(printed, '', 'the library prints nothing');
    const everything = JSON.stringify({ ...err, message: err.message, stack: err.stack });
    assert.ok(!everything.includes(password), 'no password in the error');
    assert.ok(!everything.includes(Buffer.from(`${reg.user!.username}:${password}`).toString('base64')), 'no Basic header in the error');
  });

  it('no credentials: ERR_OCI_UNAUTHORIZED', async () => {
    await assert.rejects(new RegistryClient({ registry: reg.host }).ping(), { code: 'ERR_OCI_UNAUTHORIZED', status: 401 });
  });
});

describe('Bearer token flow (real token server in front of docker-registry)', { skip: registrySkip() }, () => {
  let reg: TestRegistry;
  let proxy: TokenProxy;
  const users = { bob: 's3cret-bearer-pw' };
  before(async () => {
    reg = await startRegistry();
    proxy = await startTokenProxy(reg.url, users);
  });
  after(async () => {
    await proxy?.stop();
    await reg?.dispose();
  });

  it('answers the challenge, fetches a scoped token, caches it per scope', async () => {
    const client = new RegistryClient({ registry: proxy.host, credentials: { username: 'bob', password: users.bob } });
    const refs = RegistryReferrerTarget.forClient(client);
    await client.ping();
    const before = proxy.tokenRequests;
    const c = await pushTestCollection(reg.url, 'tok/app');
    assert.deepEqual(await client.headManifest('tok/app', c.descriptor.digest), c.descriptor);
    assert.equal(proxy.tokenRequests, before + 1, 'one token for repository:tok/app:pull');
    assert.deepEqual(proxy.requestedScopes.at(-1), ['repository:tok/app:pull']);
    await client.getManifest('tok/app', c.descriptor.digest);
    await client.getBlob('tok/app', JSON.parse(new TextDecoder().decode(c.manifest)).config.digest);
    assert.equal(proxy.tokenRequests, before + 1, 'cached: no new token for the same scope');
    const a = sampleArtifact(c.descriptor, 1);
    await refs.pushReferrer({ registry: client.registry, repository: 'tok/app' }, a);
    assert.ok(proxy.requestedScopes.some((s) => s.includes('repository:tok/app:pull,push')), 'push scope requested');
    assert.deepEqual((await refs.listReferrers({ registry: client.registry, repository: 'tok/app' }, c.descriptor.digest)).map((d) => d.digest), [a.digest]);
  });

  it('asks for the mount source scope on a cross-repository mount', async () => {
    const client = new RegistryClient({ registry: proxy.host, credentials: { username: 'bob', password: users.bob } });
    const c = await pushTestCollection(reg.url, 'tok/src');
    const config = JSON.parse(new TextDecoder().decode(c.manifest)).config.digest as string;
    let loaded = 0;
    await client.pushBlob('tok/dst', async () => (loaded++, c.config), { digest: config, mountFrom: 'tok/src' });
    assert.equal(loaded, 0, 'mounted');
    assert.ok(proxy.requestedScopes.some((s) => s.includes('repository:tok/src:pull') && s.includes('repository:tok/dst:pull,push')));
  });

  it('wrong credentials at the token realm: typed ERR_OCI_UNAUTHORIZED without secrets', async () => {
    const client = new RegistryClient({ registry: proxy.host, credentials: { username: 'bob', password: 'nope-pw' } });
    const err = await client.ping().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof RegistryError);
    assert.equal(err.code, 'ERR_OCI_UNAUTHORIZED');
    assert.match(err.message, /^couldn't fetch a token for 127\.0\.0\.1:\d+ from http:\/\/127\.0\.0\.1:\d+: HTTP 401/);
    assert.ok(!JSON.stringify({ ...err, m: err.message, s: err.stack }).includes('nope-pw'));
  });

  it('anonymous client: the token server refuses, typed error', async () => {
    await assert.rejects(new RegistryClient({ registry: proxy.host }).ping(), { code: 'ERR_OCI_UNAUTHORIZED' });
  });
});
