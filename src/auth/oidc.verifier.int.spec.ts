/**
 * OIDC verification against a JWKS **file** (the other source is a URL: test/e2e/auth.e2e.spec.ts),
 * re-read when the file changes; and the identity claim setting.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { loadAuthConfig } from './auth.config.js';
import { OidcVerifier } from './oidc.verifier.js';

describe('OIDC JWTs against a JWKS file', () => {
  it('accepts a token of a key in the file, picks up a rotated file, and refuses private keys in it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scitt-jwks-'));
    try {
      const file = join(dir, 'jwks.json');
      const put = (keys: unknown[]) => {
        writeFileSync(file + '.tmp', JSON.stringify({ keys }));
        renameSync(file + '.tmp', file);
      };
      const a = await generateKeyPair('ES256', { extractable: true });
      const b = await generateKeyPair('EdDSA', { extractable: true });
      put([{ ...(await exportJWK(a.publicKey)), kid: 'a' }]);
      const config = loadAuthConfig({ AUTH_OIDC_ISSUER: 'https://idp', AUTH_OIDC_AUDIENCE: 'ledger', AUTH_OIDC_JWKS_FILE: file, AUTH_OIDC_IDENTITY_CLAIM: 'email' }, dir).oidc!;
      const errors: string[] = [];
      const v = new OidcVerifier(config, (m) => errors.push(m));
      const token = (key: CryptoKey, alg: string, kid: string, claims: Record<string, unknown> = { email: 'ci@vendor.example' }) =>
        new SignJWT(claims).setProtectedHeader({ alg, kid }).setIssuer('https://idp').setAudience('ledger').setExpirationTime('5m').sign(key);
      assert.deepEqual(await v.verify(await token(a.privateKey, 'ES256', 'a'), new Date()), { ok: true, identity: 'oidc:ci@vendor.example' });
      const missing = await v.verify(await token(a.privateKey, 'ES256', 'a', { sub: 'x' }), new Date());
      assert.equal(missing.ok, false, 'the identity claim is required');
      assert.equal((await v.verify(await token(b.privateKey, 'EdDSA', 'b'), new Date())).ok, false, 'not in the file yet');
      put([{ ...(await exportJWK(a.publicKey)), kid: 'a' }, { ...(await exportJWK(b.publicKey)), kid: 'b' }]);
      assert.equal((await v.verify(await token(b.privateKey, 'EdDSA', 'b'), new Date())).ok, true, 'the rotated file is read');
      put([{ ...(await exportJWK(b.privateKey)), kid: 'b' }]);
      assert.equal((await v.verify(await token(b.privateKey, 'EdDSA', 'b'), new Date())).ok, true, 'a bad edit keeps the last good keys');
      assert.match(errors.join('\n'), /private or symmetric key/);
      const late = await v.verify(await token(a.privateKey, 'ES256', 'a'), new Date(Date.now() + 3600_000));
      assert.deepEqual(late, { ok: false, why: 'the token has expired' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says the issuer\'s keys are unavailable (not that the token is bad) when the JWKS URL does not answer', async () => {
    const config = loadAuthConfig({ AUTH_OIDC_ISSUER: 'https://idp', AUTH_OIDC_AUDIENCE: 'ledger', AUTH_OIDC_JWKS_URL: 'http://127.0.0.1:9/jwks' }, '/').oidc!;
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'ES256', kid: 'a' }).setIssuer('https://idp').setAudience('ledger').setExpirationTime('5m').sign(privateKey);
    const r = await new OidcVerifier(config).verify(token, new Date());
    assert.equal(r.ok, false);
    assert.equal((r as { unavailable?: boolean }).unavailable, true, JSON.stringify(r));
  });
});
