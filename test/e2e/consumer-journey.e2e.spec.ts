/**
 * The consumer's journey of docs/tour.md ("What is true now"), with real parts only: the ledger
 * service, two real docker-registry instances (the vendor's, which the ledger publishes into, and
 * the consumer's golden registry, which the ledger can NOT reach), and the `scitt` binary run as a
 * child process:
 *
 * 1. the vendor registers an SBOM and a scan result: the scan does not supersede the SBOM;
 * 2. the consumer re-scans and registers its own result; its policy ranks it above the vendor's;
 * 3. the consumer promotes the collection to its golden registry with `scitt copy --sync`: the
 *    claims, receipts and a signed status statement reach golden without the ledger writing there;
 * 4. with the ledger stopped, `scitt verify --policy` passes on the golden copy, says which claim
 *    decided each kind and why the others lost; it fails closed without issuer trust, with a stale
 *    status statement, and with a status statement that was altered, re-signed by another key or
 *    that claims a tree size its checkpoint does not have;
 * 5. the vendor revokes its SBOM after the promotion: golden does not know yet;
 * 6. `scitt sync` (the only online step) brings the revocation and a fresh status statement; with
 *    the ledger stopped again, verification fails naming the revoking entry and the tree size.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCbor, decodeSign1, encodeCbor, jwkToCoseKey, nodeCryptoBackend, sigStructure1, encodeSign1, type JsonWebKey } from '../../libs/cose/src/index.js';
import { ARTIFACT_TYPE_SCITT_STATUS, RegistryClient, RegistryReferrerTarget } from '../../libs/oci/src/index.js';
import { cliSandbox, runScitt, show } from '../../libs/cli/test/cli.runner.js';
import { startLedger, type TestLedger } from '../support/ledger.js';
import { pushTestCollection, type PushedCollection } from '../support/registry-collection.js';
import { registrySkip, startRegistry, type TestRegistry } from '../support/registry.js';
import { spdxJson } from '../support/content-fixtures.js';

const VENDOR = 'https://vendor.example';
const SCANNER = 'https://scanner.consumer.example';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('consumer journey: claims by digest, precedence, scitt sync, status statements, revocation after promotion', { skip: registrySkip() }, () => {
  let vendorReg: TestRegistry;
  let golden: TestRegistry;
  let ledger: TestLedger | undefined;
  let dataDir: string;
  let collection: PushedCollection;
  const vendor = cliSandbox('scitt-vendor-');
  const consumer = cliSandbox('scitt-consumer-');
  const v = (n: string) => join(vendor.dir, n);
  const c = (n: string) => join(consumer.dir, n);
  const asVendor = (...a: string[]) => runScitt(a, { env: vendor.env, cwd: vendor.dir });
  const asConsumer = (...a: string[]) => runScitt(a, { env: consumer.env, cwd: consumer.dir });
  const ids: Record<string, string> = {};
  let goldenRef: string;
  let env: Record<string, string>;

  const startLedgerAgain = async (): Promise<TestLedger> => (ledger = await startLedger({ dataDir, env }));
  const stopLedger = async (): Promise<void> => {
    await ledger!.close();
    ledger = undefined;
  };
  const claimsAbout = async (subject: string, extra = ''): Promise<any> => {
    const res = await fetch(`${ledger!.url}/claims?subject=${encodeURIComponent(subject)}${extra}`);
    assert.equal(res.status, 200);
    return res.json();
  };

  before(async () => {
    vendorReg = await startRegistry();
    golden = await startRegistry();
    collection = await pushTestCollection(vendorReg.url, 'acme/app', { tag: 'v1.0.0' });
    // the ledger may publish into the vendor's registry only: golden is the consumer's, private
    env = { OCI_REGISTRIES: `${vendorReg.host}=http`, OCI_PUBLISH_RETRY_MIN_MS: '50', OCI_PUBLISH_RETRY_MAX_MS: '500', RATE_LIMIT_PER_MINUTE: '0' };
    ledger = await startLedger({ env });
    dataDir = ledger.dataDir;
    goldenRef = `${golden.host}/prod/app@${collection.descriptor.digest}`;
  });
  after(async () => {
    await ledger?.close();
    if (dataDir) (await startLedger({ dataDir, env })).destroy();
    await vendorReg?.dispose();
    await golden?.dispose();
  });

  const register = async (who: typeof asVendor, file: string): Promise<string> => {
    const r = await who('register', file, '--ledger', ledger!.url, '--wait', '-o', 'json');
    assert.equal(r.code, 0, show(r));
    return JSON.parse(r.stdout).entryId;
  };

  it('1. the vendor registers an SBOM and a scan: the scan does not supersede the SBOM', async () => {
    assert.equal((await asVendor('key', 'generate', '--out', v('vendor.key'), '--cert', v('vendor.crt'), '--cert-subject', 'vendor.example')).code, 0);
    writeFileSync(v('sbom.json'), spdxJson('acme/app'));
    writeFileSync(v('scan.json'), JSON.stringify({ scanner: 'trivy', findings: 3 }));
    const sign = (payload: string, ct: string, out: string) =>
      asVendor('sign', '--key', v('vendor.key'), '--x5chain', v('vendor.crt'), '--issuer', VENDOR, '--subject', collection.reference, '--payload', v(payload), '--content-type', ct, '--out', v(out));
    assert.equal((await sign('sbom.json', 'application/spdx+json', 'sbom.cose')).code, 0);
    assert.equal((await sign('scan.json', 'application/sarif+json', 'scan.cose')).code, 0);
    ids.sbom = await register(asVendor, v('sbom.cose'));
    ids.scan = await register(asVendor, v('scan.cose'));
    const page = await claimsAbout(collection.reference);
    const sbom = page.items.find((x: any) => x.entryId === ids.sbom);
    assert.equal(sbom.current, true, 'a claim of another kind does not supersede the SBOM');
    assert.equal(sbom.supersededBy, undefined);
  });

  it('2. the consumer re-scans; online precedence (consumer first) lets its result decide', async () => {
    assert.equal((await asConsumer('key', 'generate', '--alg', 'Ed25519', '--out', c('scanner.key'), '--cert', c('scanner.crt'), '--cert-subject', 'scanner.consumer.example')).code, 0);
    writeFileSync(c('rescan.json'), JSON.stringify({ scanner: 'grype', findings: 0, note: 'the 3 findings are not reachable' }));
    const s = await asConsumer('sign', '--key', c('scanner.key'), '--x5chain', c('scanner.crt'), '--issuer', SCANNER, '--subject', collection.reference, '--payload', c('rescan.json'), '--content-type', 'application/sarif+json', '--out', c('rescan.cose'));
    assert.equal(s.code, 0, show(s));
    ids.rescan = await register(asConsumer, c('rescan.cose'));
    const page = await claimsAbout(collection.descriptor.digest, `&precedence=${encodeURIComponent(`${SCANNER},${VENDOR}`)}`);
    const sarif = page.decisions.find((d: any) => d.kind === 'application/sarif+json');
    assert.equal(sarif.decidedBy, ids.rescan);
    assert.match(sarif.others[0].why, /ranks below https:\/\/scanner\.consumer\.example/);
    assert.equal(page.decisions.find((d: any) => d.kind === 'application/spdx+json').decidedBy, ids.sbom);
  });

  it('3. scitt copy --sync promotes to golden: claims, receipts and a status statement arrive without the ledger reaching golden', async () => {
    assert.equal((await asConsumer('trust', 'fetch', ledger!.url, '--name', 'acme-ledger')).code, 0);
    const r = await asConsumer('copy', collection.reference, `${golden.host}/prod/app:v1.0.0`, '--sync', '--ledger', ledger!.url, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.destination, goldenRef);
    const l = doc.sync.ledgers[0];
    assert.equal(l.claims, 3);
    assert.ok(l.status.treeSize >= 3);
    const client = new RegistryClient({ registry: golden.host });
    const refs = await RegistryReferrerTarget.forClient(client).listReferrers({ registry: golden.host, repository: 'prod/app' }, collection.descriptor.digest);
    const entryIds = new Set(refs.map((d) => d.annotations?.['dev.scitt-ledger.entry-id']).filter(Boolean));
    assert.deepEqual([...entryIds].sort(), [ids.sbom, ids.scan, ids.rescan].sort(), 'every claim has its receipt in golden');
    assert.equal(refs.filter((d) => d.artifactType === ARTIFACT_TYPE_SCITT_STATUS).length, 1);
    const again = await asConsumer('sync', goldenRef, '--ledger', ledger!.url, '-o', 'json');
    assert.equal(again.code, 0, show(again));
    assert.deepEqual(JSON.parse(again.stdout).ledgers[0].pushed, [], 'nothing is missing the second time');
  });

  const policyFile = (maxAge: string): string => {
    const path = c(`policy-${maxAge}.yaml`);
    writeFileSync(
      path,
      [
        'version: 1',
        'issuers:',
        `  - iss: ${SCANNER}`,
        '    key: scanner.crt',
        'trustAnchors:',
        '  - vendor.crt',
        `precedence: [${VENDOR}]`,
        'kinds:',
        '  application/sarif+json:',
        `    precedence: [${SCANNER}, ${VENDOR}]`,
        'require:',
        '  - kind: application/spdx+json',
        `    issuer: ${VENDOR}`,
        '  - kind: application/sarif+json',
        `    issuer: ${SCANNER}`,
        'freshness:',
        `  maxAge: ${maxAge}`,
        '',
      ].join('\n'),
    );
    return path;
  };

  it('4. ledger stopped: the golden copy verifies offline under the policy file, which says who decided each kind and why the others lost', async () => {
    await stopLedger();
    writeFileSync(c('vendor.crt'), readFileSync(v('vendor.crt'))); // obtained out of band
    const r = await asConsumer('verify', goldenRef, '--policy', policyFile('1h'), '-o', 'json');
    assert.equal(r.code, 0, show(r));
    const doc = JSON.parse(r.stdout);
    const kinds = Object.fromEntries(doc.policy.kinds.map((k: any) => [k.kind, k]));
    assert.equal(kinds['application/spdx+json'].decidedBy, ids.sbom);
    assert.equal(kinds['application/sarif+json'].decidedBy, ids.rescan);
    assert.deepEqual(kinds['application/sarif+json'].others.map((o: any) => o.entryId), [ids.scan]);
    assert.match(kinds['application/sarif+json'].others[0].why, /ranks below/);
    assert.equal(doc.statuses.length, 2, 'copy --sync and the second sync each pushed one (a fresher one each time)');
    assert.ok(doc.statuses.every((x: any) => x.ok));
    assert.equal(doc.freshness.subjects[0].fresh, true);
    const text = await asConsumer('verify', goldenRef, '--policy', policyFile('1h'));
    assert.equal(text.code, 0, show(text));
    assert.match(text.stdout, /ok {3}require kind=application\/sarif\+json,issuer=https:\/\/scanner\.consumer\.example: decided by [0-9a-f]{16} from https:\/\/scanner\.consumer\.example/);
    assert.match(text.stdout, /lost: [0-9a-f]{16} from https:\/\/vendor\.example: issuer https:\/\/vendor\.example ranks below/);
  });

  it('4b. verification fails closed without verified issuers (no trust, a wrong key) unless explicitly allowed, with a warning every run', async () => {
    const none = await asConsumer('verify', goldenRef);
    assert.equal(none.code, 1, show(none));
    assert.match(none.stderr, /no claim's issuer signature was verified.*--issuer-key.*--allow-unverified-issuers/);
    assert.equal((await asConsumer('key', 'generate', '--out', c('wrong.key'), '--cert', c('wrong.crt'))).code, 0);
    const wrong = await asConsumer('verify', goldenRef, '--issuer-key', `${VENDOR}=${c('wrong.crt')}`);
    assert.equal(wrong.code, 1, show(wrong));
    assert.match(wrong.stderr, /no claim's issuer signature was verified/);
    for (let run = 0; run < 2; run++) {
      const allowed = await asConsumer('verify', goldenRef, '--allow-unverified-issuers');
      assert.equal(allowed.code, 0, show(allowed));
      assert.match(allowed.stderr, /warning: issuer signatures are not required to verify \(--allow-unverified-issuers\): 3 of 3/);
    }
  });

  it('4c. a stale status statement fails closed, naming scitt sync', async () => {
    await sleep(2200);
    const r = await asConsumer('verify', goldenRef, '--policy', policyFile('1h'), '--max-age', '1s');
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, new RegExp(`no status statement newer than 1s for ${collection.descriptor.digest} \\(the newest is \\d+s old\\): fetch a fresh one with \`scitt sync ${golden.host}/prod/app@`));
  });

  it('4d. a status statement with a flipped byte, another key\'s signature, or a tree size beyond its checkpoint fails verification', async () => {
    const client = new RegistryClient({ registry: golden.host });
    const [d] = (await RegistryReferrerTarget.forClient(client).listReferrers({ registry: golden.host, repository: 'prod/app' }, collection.descriptor.digest)).filter((x) => x.artifactType === ARTIFACT_TYPE_SCITT_STATUS);
    const manifest = JSON.parse(new TextDecoder().decode((await client.getManifest('prod/app', d!.digest)).bytes));
    const status = await client.getBlob('prod/app', manifest.layers[0].digest);
    const msg = decodeSign1(status);
    const serviceJwk = (JSON.parse(readFileSync(join(dataDir, 'service-key.json'), 'utf8')) as { jwk: JsonWebKey }).jwk;
    const serviceKey = jwkToCoseKey(serviceJwk);
    const other = await nodeCryptoBackend.generateKey(-7);
    const resign = async (payload: Uint8Array, key: typeof serviceKey) =>
      encodeSign1({ protectedBytes: msg.protectedBytes, unprotectedHeader: new Map(), payload, signature: await nodeCryptoBackend.sign(-7, key, sigStructure1(msg.protectedBytes, new Uint8Array(), payload)) });
    const p = decodeCbor(msg.payload!, { mapsAsMaps: true }) as Map<string, unknown>;
    const beyond = new Map(p);
    beyond.set('treeSize', (p.get('treeSize') as number) + 1);
    const flipped = Uint8Array.from(status);
    flipped[flipped.length - 40]! ^= 0x01;
    const cases: [string, Uint8Array, RegExp][] = [
      ['flipped', flipped, /ERR_STATUS_(SIGNATURE|MALFORMED)/],
      ['other-key', await resign(msg.payload!, other), /ERR_STATUS_SIGNATURE/],
      ['beyond', await resign(encodeCbor(beyond), serviceKey), /ERR_STATUS_TREE_SIZE/],
    ];
    for (const [name, bytes, code] of cases) {
      writeFileSync(c(`status-${name}.cose`), bytes);
      const r = await asConsumer('verify', goldenRef, '--policy', policyFile('1h'), '--status', c(`status-${name}.cose`));
      assert.equal(r.code, 1, `${name}\n${show(r)}`);
      assert.match(r.stderr, /verification failed: status statement .*status-/, name);
      assert.match(r.stderr, code, `${name}\n${show(r)}`);
    }
    assert.match((await asConsumer('verify', goldenRef, '--policy', policyFile('1h'), '--status', c('status-beyond.cose'))).stderr, /tree size \d+ is not the size of the checkpoint's tree/);
  });

  it('5. the vendor revokes its SBOM after the promotion: golden does not know yet, and still verifies within max-age', async () => {
    await startLedgerAgain();
    const rv = await asVendor('revoke', ids.sbom!, '--reason', 'the SBOM missed a vendored library', '--key', v('vendor.key'), '--x5chain', v('vendor.crt'), '--ledger', ledger!.url, '--out', v('revoke.cose'));
    assert.equal(rv.code, 0, show(rv));
    ids.revoke = await register(asVendor, v('revoke.cose'));
    await stopLedger();
    const r = await asConsumer('verify', goldenRef, '--policy', policyFile('1h'));
    assert.equal(r.code, 0, `the golden copy holds no news of the revocation yet\n${show(r)}`);
  });

  it('6. scitt sync (online) brings the revocation and a fresh status statement; offline, verification then fails naming the revoking entry and the tree size', async () => {
    await startLedgerAgain();
    const s = await asConsumer('sync', goldenRef, '--ledger', ledger!.url, '-o', 'json');
    assert.equal(s.code, 0, show(s));
    const l = JSON.parse(s.stdout).ledgers[0];
    assert.deepEqual(l.pushed, [ids.revoke]);
    assert.equal(l.status.revoked, 1);
    const treeSize = l.status.treeSize;
    await stopLedger();
    const r = await asConsumer('verify', goldenRef, '--policy', policyFile('1h'));
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, new RegExp(`policy not met: .* require kind=application/spdx\\+json,issuer=https://vendor.example: no claim of kind application/spdx\\+json qualifies: ${ids.sbom!.slice(0, 12)}: revoked by entry ${ids.revoke} at index 3 \\(status statement at tree size ${treeSize}\\)`));
    const doc = JSON.parse((await asConsumer('verify', goldenRef, '--policy', policyFile('1h'), '-o', 'json')).stdout);
    const sbom = doc.claims.find((x: any) => x.entryId === ids.sbom);
    assert.equal(sbom.revokedBy[0].entryId, ids.revoke);
    assert.equal(sbom.revokedBy[0].treeSize, treeSize);
    assert.equal(doc.statuses.filter((x: any) => x.ok).length, 3, 'every status statement verifies; the newest decides');
  });
});
