/** Issuer precedence: the deciding claim per kind and why each other claim lost. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideByPrecedence, type PrecedenceClaim } from './precedence.js';

const claims: PrecedenceClaim[] = [
  { entryId: 'v-sbom-1', iss: 'V', kind: 'sbom', index: 0 },
  { entryId: 'v-sbom-2', iss: 'V', kind: 'sbom', index: 3 },
  { entryId: 'v-scan', iss: 'V', kind: 'scan', index: 1 },
  { entryId: 'c-scan', iss: 'C', kind: 'scan', index: 2 },
  { entryId: 'x-scan', iss: 'X', kind: 'scan', index: 4 },
  { entryId: 'c-scan-old', iss: 'C', kind: 'scan', index: 0, out: 'revoked by entry r at index 5' },
];

describe('decideByPrecedence', () => {
  it('the issuer listed first wins; newer beats older of one issuer; unlisted and out claims lose with a reason', () => {
    const [scan] = decideByPrecedence(claims, ['C', 'V'], ['scan']);
    assert.equal(scan!.decidedBy, 'c-scan');
    assert.deepEqual(Object.fromEntries(scan!.others.map((o) => [o.entryId, o.why])), {
      'v-scan': 'issuer V ranks below C',
      'x-scan': 'issuer X is not in the precedence order (C, V)',
      'c-scan-old': 'revoked by entry r at index 5',
    });
    const [sbom] = decideByPrecedence(claims, ['C', 'V'], ['sbom']);
    assert.equal(sbom!.decidedBy, 'v-sbom-2');
    assert.match(sbom!.others[0]!.why, /older claim of the same issuer/);
  });
  it('an empty order ranks issuers equally (newest wins); a kind with no eligible claim is decided by none', () => {
    assert.equal(decideByPrecedence(claims, [], ['scan'])[0]!.decidedBy, 'x-scan');
    assert.deepEqual(decideByPrecedence(claims, ['Z'], ['scan'])[0]!.decidedBy, null);
    assert.deepEqual(decideByPrecedence(claims, ['C'], ['attestation'])[0], { kind: 'attestation', decidedBy: null, iss: null, others: [] });
    assert.deepEqual(decideByPrecedence(claims, ['V']).map((d) => d.kind), ['sbom', 'scan']);
  });
});
