import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { componentQuery } from './content.reader.js';
import { decodeComponentsCursor, encodeComponentsCursor } from '../auditor/content.handlers.js';

describe('componentQuery: how a purl= query matches', () => {
  const cases: [string, string, string, string | null, string][] = [
    ['pkg:npm/lodash@4.17.20', 'pkg:npm/lodash', 'pkg:npm/lodash@4.17.20', '4.17.20', 'version'],
    ['pkg:NPM/Lodash', 'pkg:npm/lodash', 'pkg:npm/lodash', null, 'all-versions'],
    ['pkg:npm/%40babel/runtime@7.23.2', 'pkg:npm/%40babel/runtime', 'pkg:npm/%40babel/runtime@7.23.2', '7.23.2', 'version'],
    ['pkg:maven/com.google.guava/guava@32.1.2-jre?type=jar', 'pkg:maven/com.google.guava/guava', 'pkg:maven/com.google.guava/guava@32.1.2-jre?type=jar', '32.1.2-jre', 'exact'],
    ['pkg:deb/debian/openssl@3.0.11?distro=debian-12&arch=amd64', 'pkg:deb/debian/openssl', 'pkg:deb/debian/openssl@3.0.11?arch=amd64&distro=debian-12', '3.0.11', 'exact'],
    ['pkg:golang/github.com/x/y#sub/dir', 'pkg:golang/github.com/x/y', 'pkg:golang/github.com/x/y#sub/dir', null, 'exact'],
  ];
  for (const [text, base, purl, version, match] of cases) {
    it(`${text} → ${match}`, () => {
      assert.deepEqual(componentQuery(text), { purl, purlBase: base, version, match });
    });
  }
  it('refuses what is no package URL', () => {
    for (const bad of ['lodash', 'npm/lodash@1', 'pkg:', 'pkg:npm/']) assert.throws(() => componentQuery(bad));
  });
});

describe('components cursor', () => {
  it('round-trips (before, asOf) and refuses anything it did not issue', () => {
    assert.deepEqual(decodeComponentsCursor(encodeComponentsCursor(41, 97)), { before: 41, asOf: 97 });
    for (const bad of ['', '!!', Buffer.from('97.41').toString('base64url'), Buffer.from('01.2').toString('base64url'), Buffer.from('1.2 ').toString('base64url')]) {
      assert.throws(() => decodeComponentsCursor(bad), { code: 'ERR_BAD_CURSOR' });
    }
  });
});
