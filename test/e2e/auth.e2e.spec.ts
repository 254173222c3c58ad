/**
 * Who may register: the real ledger over real HTTP with static API tokens (a real file, rotated
 * while the service runs) and OIDC JWTs verified against a JWKS served by a real HTTP server on
 * loopback; the policy's identity → issuer binding; read authentication; the `scitt` CLI's
 * `--token` / SCITT_TOKEN and `scitt token create`. Every refusal is RFC 9290 problem details
 * and appends nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createApiToken } from '../../src/auth/api-tokens.store.js';
import { cliSandbox, runScitt, show } from '../../libs/cli/test/cli.runner.js';
import { problemOf, register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

const ISS = 'https://idp.test';
const AUD = 'https://ledger.test';

interface Jwks {
  url: string;
  keys: JWK[];
  fetches: number;
  close(): Promise<void>;
}

/** A JWKS endpoint on loopback, serving whatever `keys` holds at the time of the request. */
async function startJwks(): Promise<Jwks> {
  const self = { url: '', keys: [] as JWK[], fetches: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    self.fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: self.keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  self.url = `http://127.0.0.1:${addr.port}/jwks`;
  self.close = () => new Promise<void>((r) => server.close(() => r()));
  return self;
}

async function keyPair(alg: 'ES256' | 'RS256', kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK; alg: string; kid: string; publicKey: CryptoKey }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, alg, kid };
}

type Key = Awaited<ReturnType<typeof keyPair>>;

function jwt(k: Key, o: { sub?: string; iss?: string; aud?: string; exp?: number; kid?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: k.alg, kid: o.kid ?? k.kid, typ: 'JWT' })
    .setSubject(o.sub ?? 'repo:acme/app')
    .setIssuer(o.iss ?? ISS)
    .setAudience(o.aud ?? AUD)
    .setIssuedAt(now - 10)
    .setExpirationTime(o.exp ?? now + 300)
    .sign(k.privateKey);
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

async function refused(res: Response, status: number, code: RegExp): Promise<string> {
  const p = await problemOf(res);
  assert.equal(res.status, status, `${p.code}: ${p.detail}`);
  assert.equal(p.contentType, 'application/concise-problem-details+cbor');
  assert.match(p.code, code);
  if (status === 401) assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="scitt-ledger"/);
  return p.detail;
}

function writeTokens(file: string, entries: { name: string; sha256: string; expires?: string }[]): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: 1, tokens: entries }));
  renameSync(tmp, file); // atomic replacement, as the docs say
}

describe('submitter authentication', () => {
  let dir: string;
  let jwks: Jwks;
  let ledger: TestLedger;
  let es: Key;
  let rs: Key;
  let vendor: TestIssuer;
  let acme: TestIssuer;
  let tokensFile: string;
  const ci = createApiToken();
  let n = 0;
  const statementOf = (issuer: TestIssuer) => signStatement(issuer, { sub: subjectOf(++n) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scitt-auth-'));
    jwks = await startJwks();
    es = await keyPair('ES256', 'es-1');
    rs = await keyPair('RS256', 'rs-1');
    jwks.keys = [es.jwk, rs.jwk];
    vendor = await makeIssuer('https://ci.vendor.example');
    acme = await makeIssuer('https://ci.acme.example');
    tokensFile = join(dir, 'tokens.json');
    writeTokens(tokensFile, [{ name: 'ci-vendor', sha256: ci.sha256 }]);
    ledger = await startLedger({
      policy: {
        version: 1,
        mode: 'production',
        issuers: [
          { iss: vendor.iss, keys: [{ jwk: vendor.jwk }] },
          { iss: acme.iss, keys: [{ jwk: acme.jwk }] },
        ],
        submitters: [
          { identity: 'token:ci-vendor', issuers: [vendor.iss] },
          { identity: 'token:ci-any', issuers: ['*'] },
          { identity: 'oidc:repo:acme/app', issuers: [acme.iss] },
        ],
      },
      env: {
        AUTH_TOKENS_FILE: tokensFile,
        AUTH_OIDC_ISSUER: ISS,
        AUTH_OIDC_AUDIENCE: AUD,
        AUTH_OIDC_JWKS_URL: jwks.url,
        AUTH_OIDC_JWKS_COOLDOWN_S: '0',
        RATE_LIMIT_PER_MINUTE: '1000',
      },
    });
  });
  after(async () => {
    await ledger?.destroy();
    await jwks?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a registration without a credential: 401 + WWW-Authenticate, nothing appended', async () => {
    const before = ledger.sequencer.size;
    const res = await register(ledger.url, await statementOf(vendor));
    await refused(res, 401, /^ERR_UNAUTHENTICATED$/);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="scitt-ledger"', 'no error code without a credential (RFC 6750 §3.1)');
    assert.equal(ledger.sequencer.size, before);
  });

  it('refuses before reading the body: a 1 MiB upload without a credential is answered after its headers', async () => {
    const url = new URL(`${ledger.url}/entries`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/cose', 'content-length': String(1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
      req.write(new Uint8Array(1024)); // 1 KiB of the announced 1 MiB, and no more
      req.flushHeaders();
    });
    assert.equal(status, 401);
  });

  it('accepts a valid API token, and binds it to its issuers (403 for another, nothing appended)', async () => {
    const ok = await register(ledger.url, await statementOf(vendor), bearer(ci.token));
    assert.equal(ok.status, 201, await ok.text());
    const before = ledger.sequencer.size;
    const detail = await refused(await register(ledger.url, await statementOf(acme), bearer(ci.token)), 403, /^ERR_SUBMITTER_NOT_ALLOWED$/);
    assert.match(detail, /token:ci-vendor may not register statements of issuer "https:\/\/ci\.acme\.example"/);
    assert.equal(ledger.sequencer.size, before);
  });

  it('rotates static tokens without a restart: a new token works, a removed one is refused at once', async () => {
    const next = createApiToken();
    const other = createApiToken();
    writeTokens(tokensFile, [
      { name: 'ci-vendor', sha256: next.sha256 },
      { name: 'ci-other', sha256: other.sha256 },
      { name: 'ci-any', sha256: createApiToken().sha256, expires: '2020-01-01T00:00:00Z' },
    ]);
    const before = ledger.sequencer.size;
    assert.match(await refused(await register(ledger.url, await statementOf(vendor), bearer(ci.token)), 401, /^ERR_TOKEN_INVALID$/), /unknown or revoked/);
    assert.equal((await register(ledger.url, await statementOf(vendor), bearer(next.token))).status, 201);
    // an identity the policy does not list may register nothing
    assert.match(await refused(await register(ledger.url, await statementOf(vendor), bearer(other.token)), 403, /^ERR_SUBMITTER/), /token:ci-other is not a submitter/);
    assert.equal(ledger.sequencer.size, before + 1);
    // a broken edit keeps the last good tokens
    writeFileSync(tokensFile, '{ "version": 1, "tokens": [ { "name": ');
    assert.equal((await register(ledger.url, await statementOf(vendor), bearer(next.token))).status, 201);
    writeTokens(tokensFile, [{ name: 'ci-vendor', sha256: next.sha256 }]);
  });

  it('refuses an expired API token', async () => {
    const old = createApiToken();
    writeTokens(tokensFile, [{ name: 'ci-vendor', sha256: old.sha256, expires: new Date(Date.now() - 1000).toISOString() }]);
    assert.match(await refused(await register(ledger.url, await statementOf(vendor), bearer(old.token)), 401, /^ERR_TOKEN_INVALID$/), /expired/);
  });

  it('accepts a valid OIDC JWT (ES256 and RS256) bound to its issuer', async () => {
    for (const k of [es, rs]) {
      const res = await register(ledger.url, await statementOf(acme), bearer(await jwt(k)));
      assert.equal(res.status, 201, `${k.alg}: ${res.status}`);
    }
    assert.equal((await register(ledger.url, await statementOf(vendor), bearer(await jwt(es)))).status, 403);
  });

  it('refuses expired, wrong-audience, wrong-issuer, wrong-key, alg:none and HS256-with-the-public-key tokens; nothing appended', async () => {
    const before = ledger.sequencer.size;
    const now = Math.floor(Date.now() / 1000);
    const stranger = await keyPair('ES256', 'es-1'); // same kid, another key
    const spki = await exportSPKI(es.publicKey);
    const claims = { sub: 'repo:acme/app', iss: ISS, aud: AUD, iat: now, exp: now + 300 };
    const hs = async (secret: Uint8Array) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'es-1' }).sign(secret);
    const cases: [string, string, RegExp][] = [
      ['expired', await jwt(es, { exp: now - 120 }), /expired/],
      ['wrong audience', await jwt(es, { aud: 'https://other.test' }), /not for this ledger/],
      ['wrong issuer', await jwt(es, { iss: 'https://evil.test' }), /not from the configured issuer/],
      ['wrong key', await jwt(stranger), /signature does not verify|no key/],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, /algorithm is not accepted|well-formed/],
      ['alg none with a kid', `${b64({ alg: 'none', kid: 'es-1' })}.${b64(claims)}.`, /algorithm is not accepted|well-formed/],
      ['HS256 keyed with the public key (PEM)', await hs(new TextEncoder().encode(spki)), /algorithm is not accepted/],
      ['HS256 keyed with the public key (JWK)', await hs(new TextEncoder().encode(JSON.stringify(es.jwk))), /algorithm is not accepted/],
      ['garbage', 'eyJhbGciOiJFUzI1NiJ9.not-json.sig', /well-formed|could not be verified|signature does not verify/],
    ];
    for (const [name, token, why] of cases) {
      const res = await register(ledger.url, await statementOf(acme), bearer(token));
      const detail = await refused(res, 401, /^ERR_TOKEN_INVALID$/);
      assert.match(detail, why, name);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/, name);
    }
    const malformedHeader = await register(ledger.url, await statementOf(acme), { authorization: 'Basic dXNlcjpwYXNz' });
    await refused(malformedHeader, 401, /^ERR_TOKEN_INVALID$/);
    assert.equal(ledger.sequencer.size, before);
  });

  it('follows the identity provider\'s key rotation: a token with a new kid triggers a JWKS refetch', async () => {
    const fresh = await keyPair('ES256', 'es-2');
    const token = await jwt(fresh);
    assert.equal((await register(ledger.url, await statementOf(acme), bearer(token))).status, 401, 'unknown key before rotation');
    jwks.keys = [es.jwk, rs.jwk, fresh.jwk];
    const fetches = jwks.fetches;
    const res = await register(ledger.url, await statementOf(acme), bearer(token));
    assert.equal(res.status, 201);
    assert.ok(jwks.fetches > fetches, 'the JWKS was fetched again');
  });

  it('scitt register sends --token / SCITT_TOKEN; without one it says a credential is needed (exit 3)', async () => {
    const box = cliSandbox();
    const run = (args: string[], env: Record<string, string> = {}) => runScitt(args, { env: { ...box.env, ...env }, cwd: box.dir });
    const created = await run(['token', 'create', '--name', 'ci-vendor', '--tokens-file', tokensFile, '--expires', '1d', '-o', 'json']);
    assert.equal(created.code, 0, show(created));
    const { token, identity } = JSON.parse(created.stdout) as { token: string; identity: string };
    assert.equal(identity, 'token:ci-vendor');
    const file = join(box.dir, 'claim.cose');
    writeFileSync(file, await statementOf(vendor));
    const none = await run(['register', file, '--ledger', ledger.url]);
    assert.equal(none.code, 3, show(none));
    assert.match(none.stderr, /needs a credential: give --token or set SCITT_TOKEN/);
    const byFlag = await run(['register', file, '--ledger', ledger.url, '--token', token]);
    assert.equal(byFlag.code, 0, show(byFlag));
    writeFileSync(file, await statementOf(vendor));
    const byEnv = await run(['register', file, '--ledger', ledger.url], { SCITT_TOKEN: token });
    assert.equal(byEnv.code, 0, show(byEnv));
    const plain = await run(['register', file, '--ledger', 'http://ledger.example', '--token', token]);
    assert.equal(plain.code, 2, show(plain));
    assert.match(plain.stderr, /plain http/);
  });
});

describe('rate limiting without authentication, and read authentication', () => {
  let dir: string;
  let ledger: TestLedger;
  let vendor: TestIssuer;
  const reader = createApiToken();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scitt-auth-read-'));
    vendor = await makeIssuer('https://ci.vendor.example');
    writeTokens(join(dir, 'tokens.yaml'), [{ name: 'auditor', sha256: reader.sha256 }]);
    ledger = await startLedger({
      policy: { version: 1, mode: 'production', issuers: [{ iss: vendor.iss, keys: [{ jwk: vendor.jwk }] }] },
      env: { AUTH_TOKENS_FILE: join(dir, 'tokens.yaml'), AUTH_READ: 'true' },
    });
  });
  after(async () => {
    await ledger?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads need a credential; liveness, readiness and the service keys stay open', async () => {
    const ok = await register(ledger.url, await signStatement(vendor, { sub: subjectOf(1) }), bearer(reader.token));
    assert.equal(ok.status, 201);
    const id = /[0-9a-f]{64}$/.exec(ok.headers.get('location')!)![0];
    for (const path of ['/log/stats', `/entries/${id}`, `/entries/${id}/statement`, '/checkpoints/latest', '/proofs/inclusion?index=0', '/health/details']) {
      await refused(await fetch(ledger.url + path), 401, /^ERR_UNAUTHENTICATED$/);
      assert.equal((await fetch(ledger.url + path, { headers: bearer(reader.token) })).status, 200, path);
    }
    for (const path of ['/health', '/.well-known/scitt-keys']) assert.equal((await fetch(ledger.url + path)).status, 200, path);
    // the CLI's readers send the credential too
    const box = cliSandbox();
    const run = (args: string[], env: Record<string, string> = {}) => runScitt(args, { env: { ...box.env, ...env }, cwd: box.dir });
    const audit = await run(['audit', ledger.url, '--no-save'], { SCITT_TOKEN: reader.token });
    assert.equal(audit.code, 0, show(audit));
    const refusedAudit = await run(['audit', ledger.url, '--no-save']);
    assert.equal(refusedAudit.code, 3, show(refusedAudit));
    const receipt = await run(['receipt', 'get', id, '--ledger', ledger.url, '--token', reader.token, '--out', join(box.dir, 'r.cose')]);
    assert.equal(receipt.code, 0, show(receipt));
  });

  it('rate-limits requests without a valid credential (429), not authenticated ones', async () => {
    await ledger.close();
    ledger = await startLedger({ dataDir: ledger.dataDir, policy: { version: 1, mode: 'production', issuers: [{ iss: vendor.iss, keys: [{ jwk: vendor.jwk }] }] }, env: { AUTH_TOKENS_FILE: join(dir, 'tokens.yaml'), RATE_LIMIT_PER_MINUTE: '3' } });
    const statement = await signStatement(vendor, { sub: subjectOf(2) });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await register(ledger.url, statement, bearer(createApiToken().token))).status);
    assert.deepEqual(statuses.slice(-2), [429, 429], `statuses ${statuses}`);
    assert.ok(statuses.includes(401));
    const res = await register(ledger.url, statement, bearer(reader.token));
    assert.equal(res.status, 201, 'an authenticated submitter is not held by the per-address limit');
  });
});

describe('authentication settings are validated at start', () => {
  it('refuses unusable settings with a message naming the variable', async () => {
    const cases: [Record<string, string>, RegExp, Record<string, unknown>?][] = [
      [{ AUTH_READ: 'true' }, /AUTH_READ=true needs a way to authenticate/],
      [{ AUTH_OIDC_ISSUER: ISS, AUTH_OIDC_JWKS_URL: 'http://127.0.0.1:1/jwks' }, /AUTH_OIDC_AUDIENCE/],
      [{ AUTH_OIDC_ISSUER: ISS, AUTH_OIDC_AUDIENCE: AUD, AUTH_OIDC_JWKS_URL: 'http://idp.example/jwks' }, /https:\/\//],
      [{ AUTH_OIDC_ISSUER: ISS, AUTH_OIDC_AUDIENCE: AUD, AUTH_OIDC_JWKS_URL: 'https://idp.example/jwks', AUTH_OIDC_ALGORITHMS: 'HS256' }, /no HMAC/],
      [{ AUTH_TOKENS_FILE: '/nonexistent/tokens.yaml' }, /couldn't read the API tokens file/],
      [{}, /no authentication is configured/, { version: 1, submitters: [{ identity: 'token:x', issuers: ['*'] }] }],
    ];
    for (const [env, want, policy] of cases) {
      await assert.rejects(() => startLedger({ env, ...(policy ? { policy } : {}) }), want, JSON.stringify(env));
    }
  });
});
