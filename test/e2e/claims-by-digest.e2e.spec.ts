/**
 * Consumer truth on the ledger side, against the real service over HTTP: claims keyed by the
 * collection digest (any reference form finds them), kinds (a scan does not supersede an SBOM),
 * explicit supersession through protected header -65537 and every way it is refused (400 problem
 * details, nothing appended), issuer precedence online, and the signed status statement of a
 * digest checked offline with the service keys (libs/receipt).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { entryIdOf, toEntry, verifyStatusStatement, StatusError } from '../../libs/receipt/src/index.js';
import { problemOf, register, serviceKeys, startLedger, type TestLedger } from '../support/ledger.js';
import { digestOf, makeIssuer, signStatement, type TestIssuer } from '../support/statements.js';
import { spdxJson } from '../support/content-fixtures.js';

const SUPERSEDES = -65537;
const REVOCATION = 'application/vnd.scitt-ledger.revocation+json';
const D = digestOf(0xc0ffee);
const VENDOR_REF = `vendor.example/acme/app@${D}`;
const GOLDEN_REF = `golden.example/prod/app:v1@${D}`;

async function json<T = any>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: HTTP ${res.status} ${res.status >= 400 ? JSON.stringify(await problemOf(res)) : ''}`);
  return (await res.json()) as T;
}

describe('claims by digest, kinds, supersession, precedence and status statements', () => {
  let ledger: TestLedger;
  let vendor: TestIssuer;
  let stranger: TestIssuer;
  let scanner: TestIssuer;
  const id: Record<string, string> = {};

  const reg = async (name: string, who: TestIssuer, o: Parameters<typeof signStatement>[1]): Promise<void> => {
    const s = await signStatement(who, o);
    const res = await register(ledger.url, s);
    assert.equal(res.status, 201, res.status >= 400 ? JSON.stringify(await problemOf(res)) : String(res.status));
    await res.arrayBuffer();
    id[name] = entryIdOf(toEntry(s).entry);
  };
  const claims = async (q: string): Promise<any> => json(`${ledger.url}/claims?${q}`);

  before(async () => {
    vendor = await makeIssuer('https://vendor.example');
    stranger = await makeIssuer('https://stranger.example');
    scanner = await makeIssuer('https://scanner.consumer.example', 'EdDSA');
    ledger = await startLedger({
      policy: {
        version: 1,
        mode: 'production',
        issuers: [
          { iss: vendor.iss, keys: [{ jwk: vendor.jwk }] },
          { iss: stranger.iss, keys: [{ jwk: stranger.jwk }] },
          { iss: scanner.iss, keys: [{ jwk: scanner.jwk }], maySupersedeFor: [vendor.iss] },
        ],
      },
      env: { RATE_LIMIT_PER_MINUTE: '0' },
    });
    await reg('sbom', vendor, { sub: VENDOR_REF, contentType: 'application/spdx+json', payload: spdxJson('sbom 1') });
    await reg('scan', vendor, { sub: `oci://vendor.example/acme/app@${D}`, contentType: 'application/sarif+json', payload: '{"scan":1}' });
  });
  after(async () => ledger?.destroy());

  it('a malformed supersedes value is refused (400, nothing appended)', async () => {
    const size = ledger.sequencer.size;
    for (const bad of ['', 'AB'.repeat(32), new Uint8Array(32), 7]) {
      const res = await register(ledger.url, await signStatement(vendor, { sub: VENDOR_REF, contentType: 'application/sarif+json', protected: [[SUPERSEDES, bad]] }));
      assert.equal(res.status, 400);
      const p = await problemOf(res);
      assert.equal(p.code, 'ERR_SUPERSEDES_FORMAT', JSON.stringify(p));
      assert.equal(p.contentType, 'application/concise-problem-details+cbor');
    }
    assert.equal(ledger.sequencer.size, size);
  });

  it('the vendor scan does not supersede the vendor SBOM (supersession is per kind)', async () => {
    const page = await claims(`subject=${encodeURIComponent(VENDOR_REF)}`);
    const sbom = page.items.find((c: any) => c.entryId === id.sbom);
    assert.equal(sbom.current, true);
    assert.equal(sbom.supersededBy, undefined);
    assert.equal(sbom.kind, 'application/spdx+json');
    assert.equal(sbom.subjectDigest, D);
    assert.match(sbom.statementId, /^[0-9a-f]{64}$/);
  });

  it('the same claims are found by the vendor reference, the golden reference, oci:// and the bare digest', async () => {
    await reg('sbom2', vendor, { sub: `golden.example/prod/app@${D}`, contentType: 'application/spdx+json', payload: spdxJson('sbom 2') });
    const expected = [id.sbom2, id.scan, id.sbom];
    for (const form of [VENDOR_REF, GOLDEN_REF, `oci://Vendor.Example/acme/app@${D}`, D]) {
      const page = await claims(`subject=${encodeURIComponent(form)}`);
      assert.deepEqual(page.items.map((c: any) => c.entryId), expected, form);
      assert.equal(page.subject.digest, D);
      assert.deepEqual(page.subject.references, [`vendor.example/acme/app@${D}`, `golden.example/prod/app@${D}`]);
    }
    const sbom = (await json(`${ledger.url}/entries/${id.sbom}/status`)) as any;
    assert.equal(sbom.current, false);
    assert.deepEqual(sbom.supersession, { byEntryId: id.sbom2, atIndex: 2, how: 'implicit' }, 'a newer SBOM by the same issuer about the same digest, registered under another reference');
    assert.equal((await claims(`subject=${encodeURIComponent(D)}`)).items.find((c: any) => c.entryId === id.scan).current, true);
  });

  it('a supersede header naming an unknown entry, another subject, or another issuer without policy permission is refused: 400, nothing appended', async () => {
    const size = ledger.sequencer.size;
    const cases: [TestIssuer, string, string, string][] = [
      [vendor, 'f'.repeat(64), VENDOR_REF, 'ERR_SUPERSEDES_UNKNOWN_ENTRY'],
      [vendor, id.scan!, `vendor.example/acme/app@${digestOf(0xbad)}`, 'ERR_SUPERSEDES_OTHER_SUBJECT'],
      [stranger, id.scan!, VENDOR_REF, 'ERR_SUPERSEDES_FOREIGN_ENTRY'],
    ];
    for (const [who, target, sub, code] of cases) {
      const res = await register(ledger.url, await signStatement(who, { sub, contentType: 'application/sarif+json', payload: `{"try":"${code}"}`, protected: [[SUPERSEDES, target]] }));
      assert.equal(res.status, 400, code);
      const p = await problemOf(res);
      assert.equal(p.code, code, JSON.stringify(p));
      assert.equal(p.title, 'Rejected');
      assert.match(p.detail, new RegExp(target.slice(0, 16)));
    }
    const revoke = await signStatement(vendor, { sub: VENDOR_REF, contentType: REVOCATION, payload: JSON.stringify({ revokes: [id.scan], reason: 'x' }), protected: [[SUPERSEDES, id.scan]] });
    const r = await register(ledger.url, revoke);
    assert.equal(r.status, 400);
    assert.equal((await problemOf(r)).code, 'ERR_SUPERSEDES_REVOCATION');
    assert.equal(ledger.sequencer.size, size, 'nothing was appended');
    assert.equal((await json(`${ledger.url}/log/stats`)).treeSize, size);
  });

  it('an issuer the policy allows (maySupersedeFor) supersedes explicitly; precedence decides per kind online', async () => {
    await reg('rescan', scanner, { sub: GOLDEN_REF.replace(':v1', ''), contentType: 'application/sarif+json', payload: '{"rescan":1}', protected: [[SUPERSEDES, id.scan]] });
    const scan = (await json(`${ledger.url}/entries/${id.scan}/status`)) as any;
    assert.deepEqual(scan.supersession, { byEntryId: id.rescan, atIndex: 3, how: 'explicit' });
    const page = await claims(`subject=${encodeURIComponent(D)}&precedence=${encodeURIComponent(`${vendor.iss},${scanner.iss}`)}`);
    const byKind = Object.fromEntries(page.decisions.map((d: any) => [d.kind, d]));
    assert.equal(byKind['application/spdx+json'].decidedBy, id.sbom2);
    assert.deepEqual(byKind['application/spdx+json'].others.map((o: any) => o.entryId), [id.sbom]);
    assert.match(byKind['application/spdx+json'].others[0].why, /superseded \(implicit\)/);
    assert.equal(byKind['application/sarif+json'].decidedBy, id.rescan, 'the vendor scan is superseded, so the scanner decides');
    const only = await claims(`subject=${encodeURIComponent(D)}&precedence=${encodeURIComponent(vendor.iss)}`);
    const sarif = only.decisions.find((d: any) => d.kind === 'application/sarif+json');
    assert.equal(sarif.decidedBy, null);
    assert.match(sarif.others.find((o: any) => o.entryId === id.rescan).why, /not in the precedence order/);
    for (const bad of ['precedence=a,,b', 'precedence=a,a', `precedence=${vendor.iss}`]) {
      const res = await fetch(`${ledger.url}/claims?${bad}`);
      assert.equal(res.status, 400, bad);
      assert.equal((await problemOf(res)).code, 'ERR_QUERY_PARAMETER');
    }
  });

  it('GET /subjects/<digest>/status is a status statement signed by the service key, verifiable offline', async () => {
    await reg('revoke', vendor, { sub: VENDOR_REF, contentType: REVOCATION, payload: JSON.stringify({ revokes: [id.sbom2], reason: 'wrong SBOM' }) });
    const res = await fetch(`${ledger.url}/subjects/${D}/status`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/cose');
    const bytes = new Uint8Array(await res.arrayBuffer());
    const keys = await serviceKeys(ledger.url);
    const s = await verifyStatusStatement(bytes, keys, { expectedSubject: D });
    assert.equal(s.iss, 'https://ledger.test');
    assert.equal(s.logId, 'test-log');
    assert.equal(s.treeSize, ledger.sequencer.size);
    assert.deepEqual(
      s.entries.map((e) => [e.entryId, e.state, e.by, e.byIndex]),
      [
        [id.sbom, 'superseded', id.sbom2, 2],
        [id.scan, 'superseded', id.rescan, 3],
        [id.sbom2, 'revoked', id.revoke, 4],
      ],
    );
    assert.equal(s.entries[2]!.reason, 'wrong SBOM');
    await assert.rejects(verifyStatusStatement(bytes, keys, { expectedSubject: digestOf(1) }), (e: StatusError) => e.code === 'ERR_STATUS_SUBJECT');
    const flipped = Uint8Array.from(bytes);
    flipped[flipped.length - 10]! ^= 1;
    await assert.rejects(verifyStatusStatement(flipped, keys), (e: StatusError) => e.code === 'ERR_STATUS_SIGNATURE');
    const other = await makeIssuer('https://not-the-ledger.example');
    await assert.rejects(verifyStatusStatement(bytes, [other.publicKey]), (e: StatusError) => e.code === 'ERR_STATUS_UNKNOWN_KID');
    const none = await fetch(`${ledger.url}/subjects/${digestOf(0x5eed)}/status`);
    assert.equal(none.status, 200, 'a digest nobody claimed anything about has an (empty) status too');
    assert.deepEqual((await verifyStatusStatement(new Uint8Array(await none.arrayBuffer()), keys)).entries, []);
    for (const bad of ['sha256:ABC', 'sha512:' + 'a'.repeat(64), D.slice(0, -1)]) {
      const r = await fetch(`${ledger.url}/subjects/${encodeURIComponent(bad)}/status`);
      assert.equal(r.status, 400, bad);
      assert.equal((await problemOf(r)).code, 'ERR_BAD_DIGEST');
    }
  });
});
