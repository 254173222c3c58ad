/**
 * The product's acceptance test — the journey of docs/tour.md, with real parts only: the ledger
 * service (embedded store), two real docker-registry instances ("vendor" and "golden"), and the
 * `scitt` binary run as a child process by three people:
 *
 * 1. the vendor's CI publishes a collection to the vendor registry, signs an SBOM claim about it
 *    and registers it; the ledger publishes the receipt as an OCI referrer of the collection;
 * 2. the consumer signs its own attestation ("approved for production") about the same
 *    collection, registers it, then copies the collection *with its referrers* into its golden
 *    registry with `scitt copy`;
 * 3. with the ledger stopped and the vendor registry gone, a deployer verifies the golden copy
 *    offline against a consumer policy (`--require`); tampering with any receipt or statement in
 *    the golden registry — on the registry's disk or by re-pushing doctored artifacts — fails
 *    verification with a reason.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryClient, RegistryReferrerTarget } from '../../libs/oci/src/index.js';
import { cliSandbox, runScitt, show } from '../../libs/cli/test/cli.runner.js';
import { startLedger, type TestLedger } from '../support/ledger.js';
import { pushTestCollection, type PushedCollection } from '../support/registry-collection.js';
import { registrySkip, startRegistry, type TestRegistry } from '../support/registry.js';
import { spdxJson } from '../support/content-fixtures.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const sha256 = (b: Uint8Array): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Artifact {
  digest: string;
  manifest: { layers: { mediaType: string; digest: string; size: number }[] } & Record<string, unknown>;
  bytes: Uint8Array;
}

describe('journey: publish → register → referrers → promote to golden → verify offline', { skip: registrySkip() }, () => {
  let vendorReg: TestRegistry;
  let golden: TestRegistry;
  let ledger: TestLedger | undefined;
  let collection: PushedCollection;
  const vendor = cliSandbox('scitt-vendor-');
  const consumer = cliSandbox('scitt-consumer-');
  const v = (n: string) => join(vendor.dir, n);
  const c = (n: string) => join(consumer.dir, n);
  const asVendor = (...a: string[]) => runScitt(a, { env: vendor.env, cwd: vendor.dir });
  const asConsumer = (...a: string[]) => runScitt(a, { env: consumer.env, cwd: consumer.dir });
  let goldenRef: string;
  let policy: string[];

  before(async () => {
    vendorReg = await startRegistry();
    golden = await startRegistry();
    collection = await pushTestCollection(vendorReg.url, 'acme/app', { tag: 'v1.0.0' });
    ledger = await startLedger({ env: { OCI_REGISTRIES: `${vendorReg.host}=http,${golden.host}=http`, OCI_PUBLISH_RETRY_MIN_MS: '50', OCI_PUBLISH_RETRY_MAX_MS: '500' } });
  });
  after(async () => {
    await ledger?.destroy();
    await vendorReg?.dispose();
    await golden?.dispose();
  });

  it('1. the vendor signs an SBOM claim about the collection and registers it', async () => {
    assert.equal((await asVendor('key', 'generate', '--out', v('vendor.key'), '--cert', v('vendor.crt'), '--cert-subject', 'ci.vendor.example')).code, 0);
    writeFileSync(v('sbom.spdx.json'), spdxJson('acme/app', ['openssl@3.0.13']));
    const s = await asVendor('sign', '--key', v('vendor.key'), '--x5chain', v('vendor.crt'), '--issuer', 'https://vendor.example', '--subject', collection.reference, '--payload', v('sbom.spdx.json'), '--content-type', 'application/spdx+json', '--out', v('sbom.cose'));
    assert.equal(s.code, 0, show(s));
    const r = await asVendor('register', v('sbom.cose'), '--ledger', ledger!.url, '--wait', '--out', v('sbom.ts.cose'), '-o', 'json');
    assert.equal(r.code, 0, show(r));
    assert.equal(JSON.parse(r.stdout).status, 'registered');
  });

  it('2. the consumer attests "approved for production", registers it, and both receipts appear as referrers', async () => {
    assert.equal((await asConsumer('key', 'generate', '--alg', 'Ed25519', '--out', c('consumer.key'), '--cert', c('consumer.crt'), '--cert-subject', 'release.consumer.example')).code, 0);
    writeFileSync(c('approval.json'), JSON.stringify({ decision: 'approved', environment: 'production', by: 'release board' }));
    const s = await asConsumer('sign', '--key', c('consumer.key'), '--x5chain', c('consumer.crt'), '--issuer', 'https://consumer.example', '--subject', collection.reference, '--payload', c('approval.json'), '--content-type', 'application/vnd.consumer.approval+json', '--out', c('approval.cose'));
    assert.equal(s.code, 0, show(s));
    const r = await asConsumer('register', c('approval.cose'), '--ledger', ledger!.url, '--wait');
    assert.equal(r.code, 0, show(r));
    // the vendor also published a scan result, then found it wrong and revoked it
    writeFileSync(v('scan.json'), JSON.stringify({ scanner: 'trivy', findings: 0 }));
    assert.equal((await asVendor('sign', '--key', v('vendor.key'), '--x5chain', v('vendor.crt'), '--issuer', 'https://vendor.example', '--subject', collection.reference, '--payload', v('scan.json'), '--content-type', 'application/sarif+json', '--hash-envelope', '--out', v('scan.cose'))).code, 0);
    const scan = await asVendor('register', v('scan.cose'), '--ledger', ledger!.url, '--wait', '-o', 'json');
    assert.equal(scan.code, 0, show(scan));
    const rv = await asVendor('revoke', JSON.parse(scan.stdout).entryId, '--reason', 'scanned the wrong image', '--key', v('vendor.key'), '--x5chain', v('vendor.crt'), '--ledger', ledger!.url, '--out', v('revoke.cose'));
    assert.equal(rv.code, 0, show(rv));
    assert.equal((await asVendor('register', v('revoke.cose'), '--ledger', ledger!.url, '--wait')).code, 0);
    const vendorTarget = new RegistryReferrerTarget();
    const refs = await waitFor('four referrers (3 receipts, 1 revocation) in the vendor registry', async () => {
      const l = await vendorTarget.listReferrers({ registry: vendorReg.host, repository: 'acme/app' }, collection.descriptor.digest);
      return l.length >= 4 ? l : undefined;
    });
    assert.deepEqual(refs.map((d) => d.artifactType).sort(), [...Array(3).fill('application/scitt-receipt+cose'), 'application/vnd.scitt-ledger.revocation+cose'].sort());
    // online, from the vendor registry: every artifact verifies, the scan claim is revoked
    assert.equal((await asConsumer('trust', 'fetch', ledger!.url, '--name', 'acme-ledger')).code, 0);
    const online = await asConsumer('verify', `${vendorReg.host}/acme/app:v1.0.0`, '--trust-anchor', v('vendor.crt'), '--trust-anchor', c('consumer.crt'), '-o', 'json');
    assert.equal(online.code, 0, show(online));
    const claims = JSON.parse(online.stdout).claims;
    assert.equal(claims.length, 4);
    assert.equal(claims.find((x: { contentType: string }) => x.contentType === 'application/sarif+json').revokedBy[0].reason, 'scanned the wrong image');
  });

  it('3. the consumer promotes the collection with its referrers to the golden registry (scitt copy)', async () => {
    const r = await asConsumer('copy', collection.reference, `${golden.host}/prod/app:v1.0.0`, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.referrers.length, 4, 'receipts and the revocation travel with the collection');
    goldenRef = `${golden.host}/prod/app@${collection.descriptor.digest}`;
    assert.equal(doc.destination, goldenRef);
  });

  it('4. ledger stopped, vendor registry gone: the golden copy verifies offline against the consumer policy', async () => {
    await ledger!.destroy();
    ledger = undefined;
    await vendorReg.stop();
    writeFileSync(c('vendor.crt'), readFileSync(v('vendor.crt'))); // the vendor's certificate, obtained out of band
    policy = [
      '--trust-anchor', c('vendor.crt'),
      '--issuer-key', `https://consumer.example=${c('consumer.crt')}`,
      '--require', 'content-type=application/spdx+json,issuer=https://vendor.example,ledger=https://ledger.test',
      '--require', 'content-type=application/vnd.consumer.approval+json,issuer=https://consumer.example,ledger=acme-ledger',
    ];
    const r = await asConsumer('verify', goldenRef, ...policy, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.ok, true);
    assert.deepEqual(doc.claims.map((x: { iss: string }) => x.iss).sort(), ['https://consumer.example', 'https://vendor.example', 'https://vendor.example', 'https://vendor.example']);
    const revoked = doc.claims.find((x: { contentType: string }) => x.contentType === 'application/sarif+json');
    assert.equal(revoked.revokedBy[0].reason, 'scanned the wrong image', 'offline, the golden copy still shows the revocation');
    for (const claim of doc.claims) {
      assert.equal(claim.issuer.verified, true);
      assert.equal(claim.receipts[0].ledger, 'https://ledger.test');
      assert.match(claim.receipts[0].registeredAt, /^\d{4}-\d\d-\d\dT/);
    }
    assert.ok(doc.requirements.every((x: { met: boolean }) => x.met));
    const text = await asConsumer('verify', `${golden.host}/prod/app:v1.0.0`, ...policy);
    assert.equal(text.code, 0, show(text));
    assert.match(text.stdout, /verified: 3 claim\(s\), 1 revocation\(s\), policy met/);
    assert.match(text.stdout, /REVOKED claim [0-9a-f]+ application\/sarif\+json/);
    const scanPolicy = await asConsumer('verify', goldenRef, ...policy, '--require', 'content-type=application/sarif+json');
    assert.equal(scanPolicy.code, 1, 'a revoked claim never satisfies a policy');
    assert.match(scanPolicy.stderr, /revoked by entry/);
    // a policy the golden copy does not meet fails closed
    const strict = await asConsumer('verify', goldenRef, ...policy, '--require', 'content-type=application/vnd.in-toto+json');
    assert.equal(strict.code, 1, show(strict));
    assert.match(strict.stderr, /policy not met/);
  });

  async function artifacts(): Promise<Artifact[]> {
    const client = new RegistryClient({ registry: golden.host });
    const refs = RegistryReferrerTarget.forClient(client);
    const out: Artifact[] = [];
    for (const d of await refs.listReferrers({ registry: client.registry, repository: 'prod/app' }, collection.descriptor.digest)) {
      const { bytes } = await client.getManifest('prod/app', d.digest);
      out.push({ digest: d.digest, bytes, manifest: JSON.parse(new TextDecoder().decode(bytes)) });
    }
    return out;
  }

  const blobPath = (digest: string) => join(golden.dir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7), 'data');

  it('5. flipping a byte of any receipt or statement on the golden registry\'s disk fails verification', async () => {
    const list = await artifacts();
    assert.equal(list.length, 4);
    for (const a of list) {
      for (const layer of a.manifest.layers) {
        const path = blobPath(layer.digest);
        const original = readFileSync(path);
        for (const at of [0, Math.floor(original.length / 2), original.length - 1]) {
          const t = Buffer.from(original);
          t[at]! ^= 0x40;
          writeFileSync(path, t);
          const r = await asConsumer('verify', goldenRef, ...policy);
          writeFileSync(path, original);
          assert.equal(r.code, 1, `${layer.mediaType} byte ${at}\n${show(r)}`);
          assert.match(r.stderr, /verification failed: .*(digest|does not match)/i, show(r));
        }
      }
    }
    assert.equal((await asConsumer('verify', goldenRef, ...policy)).code, 0, 'restored');
  });

  it('6. re-pushing a doctored receipt or statement (consistent digests) fails verification, saying which check', async () => {
    const base = `${golden.url}/v2/prod/app`;
    const tag = `sha256-${collection.descriptor.digest.slice(7)}`;
    const originalIndex = new Uint8Array(await (await fetch(`${base}/manifests/${tag}`, { headers: { accept: INDEX } })).arrayBuffer());
    const put = async (path: string, body: Uint8Array, contentType: string) => {
      const res = await fetch(`${base}/${path}`, { method: 'PUT', body, headers: { 'content-type': contentType } });
      await res.arrayBuffer();
      assert.ok(res.status === 201, `PUT ${path}: ${res.status}`);
    };
    const pushBlob = async (bytes: Uint8Array) => {
      const post = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
      await post.arrayBuffer();
      const loc = new URL(post.headers.get('location')!, golden.url);
      loc.searchParams.set('digest', sha256(bytes));
      const res = await fetch(loc, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
      await res.arrayBuffer();
      assert.equal(res.status, 201);
    };
    const list = await artifacts();
    let cases = 0;
    for (const a of list) {
      for (const [li, layer] of a.manifest.layers.entries()) {
        const original = readFileSync(blobPath(layer.digest));
        for (const at of [8, Math.floor(original.length / 2), original.length - 3]) {
          const doctored = Uint8Array.from(original);
          doctored[at]! ^= 0x01;
          await pushBlob(doctored);
          const manifest = structuredClone(a.manifest);
          manifest.layers[li] = { ...layer, digest: sha256(doctored), size: doctored.length };
          const mBytes = new TextEncoder().encode(JSON.stringify(manifest));
          await put(`manifests/${sha256(mBytes)}`, mBytes, 'application/vnd.oci.image.manifest.v1+json');
          const index = JSON.parse(new TextDecoder().decode(originalIndex));
          for (const m of index.manifests) if (m.digest === a.digest) Object.assign(m, { digest: sha256(mBytes), size: mBytes.length });
          await put(`manifests/${tag}`, new TextEncoder().encode(JSON.stringify(index)), INDEX);
          const r = await asConsumer('verify', goldenRef, ...policy);
          assert.equal(r.code, 1, `${layer.mediaType} byte ${at}\n${show(r)}`);
          assert.match(r.stderr, /verification failed: 1 of 4 artifact\(s\) failed verification: .*: \S/, show(r));
          cases++;
        }
      }
    }
    await put(`manifests/${tag}`, originalIndex, INDEX);
    assert.equal(cases, 24);
    const ok = await asConsumer('verify', goldenRef, ...policy);
    assert.equal(ok.code, 0, `restored index verifies again\n${show(ok)}`);
  });
});
