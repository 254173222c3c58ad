import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { repositoryKey, subjectKeys } from './subject.key.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('subject keys', () => {
  it('normalises OCI references and keeps other subjects as written', () => {
    const table: [string, string, string | null][] = [
      [`registry.example/app@${D}`, `registry.example/app@${D}`, 'registry.example/app'],
      [`oci://registry.example/app@${D}`, `registry.example/app@${D}`, 'registry.example/app'],
      [`oci://Registry.EXAMPLE:5000/team/app@${D}`, `registry.example:5000/team/app@${D}`, 'registry.example:5000/team/app'],
      [`registry.example/app:v1@${D}`, `registry.example/app@${D}`, 'registry.example/app'],
      ['registry.example/app:v1', 'registry.example/app:v1', 'registry.example/app'],
      ['pkg:npm/left-pad@1.3.0', 'pkg:npm/left-pad@1.3.0', null],
      ['https://example.com/sbom', 'https://example.com/sbom', null],
      [`registry.example/App@${D}`, `registry.example/App@${D}`, null], // uppercase repository: not an OCI reference
    ];
    for (const [sub, subject, repository] of table) assert.deepEqual(subjectKeys(sub), { subject, repository }, sub);
    assert.equal(repositoryKey('oci://REGISTRY.example/team/app'), 'registry.example/team/app');
    assert.equal(repositoryKey('not a repository'), undefined);
  });
});
