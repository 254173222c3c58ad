/**
 * The OCI referrer publisher against a real registry: Debian's docker-registry (distribution 2.8,
 * no referrers API, so every publication goes through the tag-schema fallback index). Real
 * collections are pushed with plain fetch, claims about them are registered through the running
 * service, and the registry is read back with plain fetch too (independent of libs/oci).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { REVOCATION_CONTENT_TYPE } from '../../libs/ledger/src/index.js';
import { entryIdOf, toEntry, verifyTransparentStatement } from '../../libs/receipt/src/index.js';
import { problemOf, register, serviceKeys, startLedger, type TestLedger } from '../support/ledger.js';
import { startRegistry, registrySkip, type TestRegistry } from '../support/registry.js';
import { pushTestCollection, type PushedCollection } from '../support/registry-collection.js';
import { makeIssuer, signStatement, type TestIssuer } from '../support/statements.js';
import { until } from '../support/until.js';

const RECEIPT_TYPE = 'application/scitt-receipt+cose';
const REVOCATION_TYPE = 'application/vnd.scitt-ledger.revocation+cose';
const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

interface Publication {
  entryId: string;
  state: string;
  target: string;
  targetKind: string;
  digest?: string;
  via?: string;
  attempts: number;
  lastError?: string;
  lastErrorCode?: string;
  note?: string;
  waitingFor?: string;
  artifactType?: string;
}

const sha256 = (b: Uint8Array): string => 'sha256:' + createHash('sha256').update(b).digest('hex');


async function publicationOf(url: string, entryId: string): Promise<Publication> {
  const res = await fetch(`${url}/entries/${entryId}/publication`);
  assert.equal(res.status, 200, `GET /entries/${entryId}/publication → ${res.status}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return (await res.json()) as Publication;
}

const published = (url: string, entryId: string, timeoutMs?: number): Promise<Publication> =>
  until(`publication of ${entryId}`, async () => {
    const p = await publicationOf(url, entryId);
    return p.state === 'published' ? p : undefined;
  }, { ...(timeoutMs === undefined ? {} : { ms: timeoutMs }), retryErrors: true });

/** The tag-schema referrers index of `digest` (undefined when the tag does not exist). */
async function referrersIndex(reg: TestRegistry, repo: string, digest: string): Promise<{ manifests: Descriptor[]; mediaType: string } | undefined> {
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/${digest.replace(':', '-')}`, { headers: { accept: INDEX_TYPE } });
  if (res.status === 404) return undefined;
  assert.equal(res.status, 200);
  return (await res.json()) as { manifests: Descriptor[]; mediaType: string };
}

async function getBytes(reg: TestRegistry, repo: string, kind: 'manifests' | 'blobs', digest: string, accept = MANIFEST_TYPE): Promise<Uint8Array> {
  const res = await fetch(`${reg.url}/v2/${repo}/${kind}/${digest}`, { headers: { accept } });
  assert.equal(res.status, 200, `GET ${kind}/${digest} → ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.equal(sha256(bytes), digest);
  return bytes;
}

/** Another tool's referrer of `subject` (its own artifact type and an unknown descriptor field), listed in the tag index first. */
async function pushForeignReferrer(reg: TestRegistry, repo: string, subject: PushedCollection['descriptor']): Promise<Descriptor> {
  const config = new TextEncoder().encode('{}');
  const post = await fetch(`${reg.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await post.arrayBuffer();
  const loc = new URL(post.headers.get('location')!, reg.url);
  loc.searchParams.set('digest', sha256(config));
  const put = await fetch(loc, { method: 'PUT', body: config, headers: { 'content-type': 'application/octet-stream' } });
  await put.arrayBuffer();
  assert.equal(put.status, 201);
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      artifactType: 'application/vnd.example.sbom',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(config), size: 2 },
      layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(config), size: 2 }],
      subject,
    }),
  );
  const m = await fetch(`${reg.url}/v2/${repo}/manifests/${sha256(manifest)}`, { method: 'PUT', body: manifest, headers: { 'content-type': MANIFEST_TYPE } });
  await m.arrayBuffer();
  assert.equal(m.status, 201);
  const entry: Descriptor = {
    mediaType: MANIFEST_TYPE,
    digest: sha256(manifest),
    size: manifest.length,
    artifactType: 'application/vnd.example.sbom',
    annotations: { 'com.example.tool': 'other' },
    'x-other-tool-field': { kept: true },
  };
  const index = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: INDEX_TYPE, manifests: [entry] }));
  const i = await fetch(`${reg.url}/v2/${repo}/manifests/${subject.digest.replace(':', '-')}`, { method: 'PUT', body: index, headers: { 'content-type': INDEX_TYPE } });
  await i.arrayBuffer();
  assert.equal(i.status, 201);
  return entry;
}

const skip = registrySkip();

describe('OCI referrer publisher against docker-registry (tag-schema fallback)', { skip }, () => {
  let reg: TestRegistry;
  let ledger: TestLedger;
  let issuer: TestIssuer;

  const claim = async (sub: string, payload: string, contentType?: string): Promise<{ statement: Uint8Array; entryId: string }> => {
    const statement = await signStatement(issuer, { sub, payload, ...(contentType ? { contentType } : {}) });
    const res = await register(ledger.url, statement);
    assert.equal(res.status, 201, `register: ${res.status}`);
    await res.arrayBuffer();
    return { statement, entryId: entryIdOf(toEntry(statement).entry) };
  };

  before(async () => {
    reg = await startRegistry();
    issuer = await makeIssuer('https://ci.publisher.example');
    ledger = await startLedger({
      policy: { version: 1, mode: 'development', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] },
      env: {
        RATE_LIMIT_PER_MINUTE: '0',
        OCI_REGISTRIES: `${reg.host}=http`,
        OCI_PUBLISH_RETRY_MIN_MS: '100',
        OCI_PUBLISH_RETRY_MAX_MS: '1000',
        OCI_REQUEST_TIMEOUT_MS: '5000',
      },
    });
  });

  after(async () => {
    await ledger?.destroy();
    await reg?.dispose();
  });

  it('publishes a claim as a referrer: artifact, subject, fallback index with artifactType and annotations, offline-verifiable statement', async () => {
    const col = await pushTestCollection(reg.url, 'team/app');
    const { statement, entryId } = await claim(`oci://${col.reference}`, '{"sbom":"spdx"}');
    const p = await published(ledger.url, entryId);
    assert.equal(p.targetKind, 'registry');
    assert.equal(p.target, `${reg.host}/team/app`);
    assert.equal(p.via, 'tag');
    assert.equal(p.attempts, 1);
    assert.match(p.digest ?? '', /^sha256:[0-9a-f]{64}$/);

    const index = await referrersIndex(reg, 'team/app', col.descriptor.digest);
    assert.ok(index, 'the sha256-<hex> index exists');
    assert.equal(index.mediaType, INDEX_TYPE);
    const listed = index.manifests.find((m) => m.digest === p.digest);
    assert.ok(listed, 'our referrer is listed');
    assert.equal(listed.artifactType, RECEIPT_TYPE);
    assert.equal(listed.mediaType, MANIFEST_TYPE);
    const entry = ledger.index.entryById(entryId)!;
    assert.deepEqual(listed.annotations, {
      'dev.scitt-ledger.content-type': 'application/json',
      'dev.scitt-ledger.entry-id': entryId,
      'dev.scitt-ledger.issuer': issuer.iss,
      'dev.scitt-ledger.log-index': String(entry.index),
      'dev.scitt-ledger.service': 'https://ledger.test',
      'org.opencontainers.image.created': entry.registeredAt,
    });

    const manifestBytes = await getBytes(reg, 'team/app', 'manifests', p.digest!);
    const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as { subject: Descriptor; layers: Descriptor[]; config: Descriptor; artifactType: string };
    assert.equal(listed.size, manifestBytes.length);
    assert.equal(manifest.artifactType, RECEIPT_TYPE);
    assert.deepEqual(manifest.subject, col.descriptor, 'subject = the collection descriptor from the HEAD');
    assert.deepEqual(manifest.config, { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 });
    assert.deepEqual(manifest.layers.map((l) => l.mediaType), ['application/scitt-statement+cose', RECEIPT_TYPE]);

    // The layers: the transparent statement verifies offline; the receipt is the service's receipt.
    const ts = await getBytes(reg, 'team/app', 'blobs', manifest.layers[0]!.digest);
    const v = await verifyTransparentStatement(ts, { serviceKeys: await serviceKeys(ledger.url), issuerKey: () => issuer.publicKey });
    assert.equal(v.entryId, entryId);
    const receipt = await getBytes(reg, 'team/app', 'blobs', manifest.layers[1]!.digest);
    const served = new Uint8Array(await (await fetch(`${ledger.url}/entries/${entryId}`)).arrayBuffer());
    assert.deepEqual(receipt, served);
    assert.ok(statement.length > 0);
  });

  it('keeps other tools’ entries in the index (as found) and appends ours', async () => {
    const col = await pushTestCollection(reg.url, 'team/tools');
    const foreign = await pushForeignReferrer(reg, 'team/tools', col.descriptor);
    const a = await claim(col.reference, '{"n":1}');
    const b = await claim(col.reference, '{"n":2}');
    const pa = await published(ledger.url, a.entryId);
    const pb = await published(ledger.url, b.entryId);
    const index = await referrersIndex(reg, 'team/tools', col.descriptor.digest);
    assert.ok(index);
    assert.deepEqual(index.manifests[0], foreign, 'the other tool’s entry survives unchanged, first');
    assert.deepEqual(new Set(index.manifests.map((m) => m.digest)), new Set([foreign.digest, pa.digest, pb.digest]));
    assert.equal(index.manifests.length, 3);
  });

  it('20 concurrent claims about one subject all end up listed', async () => {
    const col = await pushTestCollection(reg.url, 'team/busy');
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => claim(col.reference, `{"concurrent":${i}}`)));
    const pubs = await Promise.all(claims.map((c) => published(ledger.url, c.entryId, 60_000)));
    const digests = new Set(pubs.map((p) => p.digest));
    assert.equal(digests.size, 20);
    const index = await referrersIndex(reg, 'team/busy', col.descriptor.digest);
    assert.ok(index);
    assert.deepEqual(new Set(index.manifests.map((m) => m.digest)), digests);
    assert.equal(index.manifests.length, 20, 'no duplicates');
  });

  it('publishes a revocation as a referrer of the same collection with the revocation artifact type', async () => {
    const col = await pushTestCollection(reg.url, 'team/revoked');
    const original = await claim(col.reference, '{"build":"bad"}');
    const revocation = await claim(col.reference, JSON.stringify({ revokes: [original.entryId], reason: 'compromised build' }), REVOCATION_CONTENT_TYPE);
    const po = await published(ledger.url, original.entryId);
    const pr = await published(ledger.url, revocation.entryId);
    assert.equal(pr.artifactType, REVOCATION_TYPE);
    const index = await referrersIndex(reg, 'team/revoked', col.descriptor.digest);
    assert.ok(index);
    const byDigest = new Map(index.manifests.map((m) => [m.digest, m]));
    assert.equal(byDigest.get(po.digest!)?.artifactType, RECEIPT_TYPE);
    assert.equal(byDigest.get(pr.digest!)?.artifactType, REVOCATION_TYPE);
    assert.equal(byDigest.get(pr.digest!)?.annotations?.['dev.scitt-ledger.content-type'], REVOCATION_CONTENT_TYPE);
  });

  it('survives a registry outage mid-run and a service restart: registration never blocks, nothing is lost', async () => {
    const col = await pushTestCollection(reg.url, 'team/outage');
    const first = await Promise.all(Array.from({ length: 4 }, (_, i) => claim(col.reference, `{"before":${i}}`)));
    await reg.stop(); // mid-run: some of the first claims may still be publishing
    const t0 = Date.now();
    const during = await Promise.all(Array.from({ length: 6 }, (_, i) => claim(col.reference, `{"during":${i}}`)));
    assert.ok(Date.now() - t0 < 5_000, `registration took ${Date.now() - t0} ms while the registry was down`);
    // The failures are visible per entry and in /health/details.
    const failing = await until('a failed attempt to show', async () => {
      const p = await publicationOf(ledger.url, during[0]!.entryId);
      return p.state === 'failed-retrying' ? p : undefined;
    }, { retryErrors: true });
    assert.equal(failing.lastErrorCode, 'ERR_OCI_NETWORK');
    assert.ok(failing.attempts >= 1);
    const health = (await (await fetch(`${ledger.url}/health/details`)).json()) as { processors: { name: string; pending: number; failedRetrying: number }[] };
    const proc = health.processors.find((x) => x.name === 'oci-referrer-publisher');
    assert.ok(proc);
    assert.ok(proc.pending + proc.failedRetrying >= 1);

    // Restart the service while the registry is still down: the work list is durable.
    ledger = await ledger.restart();
    await reg.restart();
    const all = [...first, ...during];
    const pubs = await Promise.all(all.map((c) => published(ledger.url, c.entryId, 60_000)));
    const index = await referrersIndex(reg, 'team/outage', col.descriptor.digest);
    assert.ok(index);
    assert.deepEqual(new Set(index.manifests.map((m) => m.digest)), new Set(pubs.map((p) => p.digest)));
    assert.equal(index.manifests.length, all.length);
  });

  it('reports claims that are not about a collection, claims about unconfigured registries, and unknown entries', async () => {
    const plain = await claim('https://example.com/not-a-collection', '{}');
    const p = (await publicationOf(ledger.url, plain.entryId)) as Publication & { reason: string };
    assert.equal(p.state, 'not-applicable');

    const elsewhere = await claim(`registry.invalid/app@sha256:${'ab'.repeat(32)}`, '{}');
    const e = await until('the layout publication to fail', async () => {
      const x = await publicationOf(ledger.url, elsewhere.entryId);
      return x.state === 'failed-retrying' ? x : undefined;
    }, { retryErrors: true });
    assert.equal(e.targetKind, 'oci-layout');
    assert.match(e.note ?? '', /not configured/);
    assert.equal(e.target, 'oci-layout', 'the embedded layout is named, never by its absolute path');
    assert.equal(e.lastErrorCode, 'ERR_PUBLISH_SUBJECT_UNKNOWN', 'by default the service never asks a registry only the registrant named');

    const missing = await fetch(`${ledger.url}/entries/${'0'.repeat(64)}/publication`);
    assert.equal(missing.status, 404);
    assert.equal((await problemOf(missing)).code, 'ERR_NOT_FOUND');
    const bad = await fetch(`${ledger.url}/entries/nothex/publication`);
    assert.equal(bad.status, 404);
    await bad.arrayBuffer();
  });
});
