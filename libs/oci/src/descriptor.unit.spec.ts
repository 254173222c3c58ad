import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonObject } from './descriptor.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('parseJsonObject (OCI manifests and indexes)', () => {
  it('parses an object', () => assert.deepEqual(parseJsonObject(enc('{"schemaVersion":2}'), 'm'), { schemaVersion: 2 }));
  it('refuses a member named twice: two readers would see different subjects', () => {
    const d = (n: string) => `{"digest":"sha256:${n.repeat(64)}","mediaType":"application/vnd.oci.image.manifest.v1+json","size":1}`;
    for (const text of [`{"schemaVersion":2,"subject":${d('a')},"subject":${d('b')}}`, `{"schemaVersion":2,"subject":${d('a')},"\\u0073ubject":${d('b')}}`]) {
      assert.throws(() => parseJsonObject(enc(text), 'the manifest'), (e: Error & { code?: string }) => e.code === 'ERR_OCI_MANIFEST_INVALID' && /"subject" twice/.test(e.message));
    }
  });
});
