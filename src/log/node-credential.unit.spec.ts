import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NODE_AUTH_WINDOW_MS, NodeAuthError, NodeCredential } from './node-credential.js';

const SECRET = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);
const claims = { nodeId: 'n2', kid: 'x5t:' + 'ab'.repeat(32), policyDigest: 'cd'.repeat(32) };
const body = Uint8Array.from([0xd2, 0x84, 1, 2, 3]);
const now = 1_800_000_000_000;
const refused = (f: () => unknown, why: RegExp): void => assert.throws(f, (e: Error) => e instanceof NodeAuthError && why.test(e.message));

describe('NodeCredential (the hand-over node credential)', () => {
  const cred = NodeCredential.fromText(SECRET);

  it('verifies its own header over the same body, within the window, and returns the claims the MAC binds', () => {
    const h = cred.sign(claims, body, now);
    assert.match(h, /^v1 node=n2 ts=\d+ kid=x5t:[0-9a-f]+ policy=[0-9a-f]{64} mac=[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(cred.verify(h, body, now + NODE_AUTH_WINDOW_MS), claims);
    assert.deepEqual(cred.verify(h, body, now - NODE_AUTH_WINDOW_MS), claims);
  });

  it('refuses another body, another secret, a changed claim, a stale or future time, and malformed headers', () => {
    const h = cred.sign(claims, body, now);
    refused(() => cred.verify(h, Uint8Array.from([...body, 0]), now), /not signed with this cluster's node secret/);
    refused(() => NodeCredential.fromText(OTHER).verify(h, body, now), /not signed/);
    refused(() => cred.verify(h.replace('node=n2', 'node=n3'), body, now), /not signed/);
    refused(() => cred.verify(h.replace(/kid=\S+/, 'kid=' + 'ef'.repeat(32)), body, now), /not signed/);
    refused(() => cred.verify(h.replace(/policy=\S+/, 'policy=' + 'ef'.repeat(32)), body, now), /not signed/);
    refused(() => cred.verify(h, body, now + NODE_AUTH_WINDOW_MS + 1), /ms from this node's clock/);
    refused(() => cred.verify(h, body, now - NODE_AUTH_WINDOW_MS - 1), /ms from this node's clock/);
    for (const bad of [undefined, ['a', 'b'], '', 'v2 ' + h.slice(3), h + ' ', h.replace(/mac=\S+/, 'mac=' + 'A'.repeat(42)), h.replace('node=n2', 'node=a b')]) {
      refused(() => cred.verify(bad, body, now), /header|not valid/);
    }
  });

  it('rotates: the first secret signs, any listed secret verifies', () => {
    const rotating = NodeCredential.fromText(`# new first, old second\n${OTHER}\n${SECRET}\n`);
    assert.deepEqual(rotating.verify(cred.sign(claims, body, now), body, now), claims, 'an old node is still accepted');
    assert.deepEqual(NodeCredential.fromText(`${SECRET}\n${OTHER}`).verify(rotating.sign(claims, body, now), body, now), claims);
  });

  it('refuses an empty secret file or a short secret, without echoing it', () => {
    assert.throws(() => NodeCredential.fromText('\n# nothing\n'), /holds no secret/);
    assert.throws(() => NodeCredential.fromText('short-secret'), (e: Error) => /shorter than 32 bytes/.test(e.message) && !e.message.includes('short-secret'));
    assert.throws(() => NodeCredential.fromFile('/nonexistent/secret'), /couldn't read NODE_SECRET_FILE/);
  });
});
