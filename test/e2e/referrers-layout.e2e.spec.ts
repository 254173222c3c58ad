/**
 * The embedded default: with no registry configured, receipts go to the OCI image layout under the
 * data directory. Read back with libs/oci's layout store, with plain file reads, and with skopeo
 * where it is installed. The subject descriptor comes from the layout itself, or (when enabled) from
 * a read-only HEAD on the subject's registry (OCI_SUBJECT_LOOKUP=registry) — a real docker-registry here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OciLayoutStore, referrersTag, type Descriptor } from '../../libs/oci/src/index.js';
import { entryIdOf, toEntry, verifyTransparentStatement } from '../../libs/receipt/src/index.js';
import { PublicationAttempts } from '../../src/publisher/publication.attempt.js';
import { loadPublisherConfig } from '../../src/publisher/publisher.config.js';
import { register, serviceKeys, startLedger, type TestLedger } from '../support/ledger.js';
import { startRegistry, registrySkip, type TestRegistry } from '../support/registry.js';
import { pushTestCollection } from '../support/registry-collection.js';
import { makeIssuer, signStatement, type TestIssuer } from '../support/statements.js';
import { until } from '../support/until.js';
import { which } from '../support/which.js';

interface Publication {
  state: string;
  targetKind: string;
  target: string;
  via?: string;
  digest?: string;
  lastErrorCode?: string;
  nextAttemptAt?: string;
  waitingFor?: string;
  attempts: number;
}


const stateOf = async (url: string, entryId: string, state: string, and: (p: Publication) => boolean = () => true): Promise<Publication> =>
  until(`${entryId} to be ${state}`, async () => {
    const p = (await (await fetch(`${url}/entries/${entryId}/publication`)).json()) as Publication;
    return p.state === state && and(p) ? p : undefined;
  });

async function registerClaim(ledger: TestLedger, issuer: TestIssuer, sub: string, payload: string): Promise<string> {
  const statement = await signStatement(issuer, { sub, payload });
  const res = await register(ledger.url, statement);
  assert.equal(res.status, 201);
  await res.arrayBuffer();
  return entryIdOf(toEntry(statement).entry);
}

const policyFor = (issuer: TestIssuer): Record<string, unknown> => ({ version: 1, mode: 'development', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] });

describe('referrers in the embedded OCI layout (no registry configured), subject from a real registry', { skip: registrySkip() }, () => {
  let reg: TestRegistry;
  let ledger: TestLedger;
  let issuer: TestIssuer;

  before(async () => {
    reg = await startRegistry();
    issuer = await makeIssuer('https://ci.layout.example');
    ledger = await startLedger({ policy: policyFor(issuer), env: { OCI_SUBJECT_LOOKUP: 'registry', OCI_PUBLISH_RETRY_MIN_MS: '100', OCI_PUBLISH_RETRY_MAX_MS: '1000' } });
  });
  after(async () => {
    await ledger?.destroy();
    await reg?.dispose();
  });

  it('writes the artifact, the untagged index.json entry and the tagged sha256-<hex> index; reads back; skopeo accepts it', async () => {
    const col = await pushTestCollection(reg.url, 'team/app');
    const ids = [await registerClaim(ledger, issuer, col.reference, '{"n":1}'), await registerClaim(ledger, issuer, col.reference, '{"n":2}')];
    const pubs = await Promise.all(ids.map((id) => stateOf(ledger.url, id, 'published')));
    const dir = join(ledger.dataDir, 'oci-layout');
    for (const p of pubs) {
      assert.equal(p.targetKind, 'oci-layout');
      assert.equal(p.target, 'oci-layout', 'the layout, never its absolute path');
      assert.ok(!JSON.stringify(p).includes(ledger.dataDir), 'the publication state does not reveal the data directory');
      assert.equal(p.via, 'layout');
    }

    // libs/oci reads it back
    const layout = await OciLayoutStore.open(dir);
    const referrers = await layout.listReferrers(col.descriptor.digest);
    assert.deepEqual(new Set(referrers.map((r) => r.digest)), new Set(pubs.map((p) => p.digest)));
    for (const r of referrers) {
      assert.equal(r.artifactType, 'application/scitt-receipt+cose');
      assert.ok(ids.includes(r.annotations?.['dev.scitt-ledger.entry-id'] ?? ''));
    }
    const { bytes } = await layout.getManifest(pubs[0]!.digest!);
    const manifest = JSON.parse(new TextDecoder().decode(bytes)) as { subject: Descriptor; layers: Descriptor[] };
    assert.deepEqual(manifest.subject, col.descriptor, 'the subject descriptor came from the registry HEAD');
    const ts = await layout.getBlob(manifest.layers[0]!.digest);
    const v = await verifyTransparentStatement(ts, { serviceKeys: await serviceKeys(ledger.url), issuerKey: () => issuer.publicKey });
    assert.ok(ids.includes(v.entryId));

    // plain file reads: index.json has both untagged referrer entries and the tagged referrers index
    const indexJson = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    for (const p of pubs) {
      const e = indexJson.manifests.find((m) => m.digest === p.digest);
      assert.ok(e, 'untagged entry per referrer');
      assert.equal(e.artifactType, 'application/scitt-receipt+cose');
      assert.equal(e.annotations?.['org.opencontainers.image.ref.name'], undefined);
    }
    const tagged = indexJson.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] === referrersTag(col.descriptor.digest));
    assert.equal(tagged.length, 1);

    const skopeo = which('skopeo');
    if (!skopeo) {
      console.log('# skopeo is not installed: skipping `skopeo inspect oci:<dir>` (optional: apt-get install skopeo)');
      return;
    }
    const r = spawnSync(skopeo, ['inspect', '--raw', `oci:${dir}:${referrersTag(col.descriptor.digest)}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, `skopeo inspect: ${r.stderr}`);
    const raw = JSON.parse(r.stdout) as { mediaType: string; manifests: Descriptor[] };
    assert.equal(raw.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(new Set(raw.manifests.map((m) => m.digest)), new Set(pubs.map((p) => p.digest)));
  });

  it('builds the same artifact bytes for the same entry every time (retries are idempotent)', async () => {
    const col = await pushTestCollection(reg.url, 'team/determinism');
    const id = await registerClaim(ledger, issuer, col.reference, '{"same":true}');
    const p = await stateOf(ledger.url, id, 'published');
    const config = loadPublisherConfig({ OCI_SUBJECT_LOOKUP: 'registry' }, ledger.dataDir);
    const build = async (): Promise<Uint8Array> => {
      const attempts = new PublicationAttempts({ config, index: ledger.index, service: 'https://ledger.test', signal: new AbortController().signal });
      const [registry, ...rest] = col.reference.split('@')[0]!.split('/');
      const rec = {
        entryId: id, logIndex: ledger.index.indexOf(id)!, subject: col.reference, registry: registry!, repository: rest.join('/'), subjectDigest: col.descriptor.digest,
        targetKind: 'oci-layout' as const, artifactType: 'application/scitt-receipt+cose', createdAt: 0, state: 'pending' as const, attempts: 0, nextAttemptAt: 0, updatedAt: 0,
      };
      return (await attempts.artifact(rec)).manifest;
    };
    const a = await build();
    const b = await build();
    assert.deepEqual(a, b);
    const { bytes } = await (await OciLayoutStore.open(join(ledger.dataDir, 'oci-layout'))).getManifest(p.digest!);
    assert.deepEqual(a, bytes, 'a fresh build equals what the publisher wrote');
  });
});

describe('referrers in the OCI layout with OCI_SUBJECT_LOOKUP=layout (no network)', () => {
  let ledger: TestLedger;
  let issuer: TestIssuer;

  before(async () => {
    issuer = await makeIssuer('https://ci.offline.example');
    // the longest backoff (an hour) is far beyond the test: only the arrival in the layout publishes
    ledger = await startLedger({ policy: policyFor(issuer), env: { OCI_SUBJECT_LOOKUP: 'layout', OCI_PUBLISH_RETRY_MIN_MS: '50', OCI_PUBLISH_RETRY_MAX_MS: '3600000' } });
  });
  after(async () => ledger?.destroy());

  it('waits without an attempt (pending, ERR_PUBLISH_SUBJECT_UNKNOWN) until the subject is copied into the layout, then publishes at once', async () => {
    const dir = join(ledger.dataDir, 'oci-layout');
    const image = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 }, layers: [] }));
    const { sha256Digest } = await import('../../libs/oci/src/index.js');
    const digest = sha256Digest(image);
    const id = await registerClaim(ledger, issuer, `offline.example/team/app@${digest}`, '{"offline":true}');
    const waiting = await stateOf(ledger.url, id, 'pending', (s) => s.lastErrorCode !== undefined);
    assert.equal(waiting.lastErrorCode, 'ERR_PUBLISH_SUBJECT_UNKNOWN');
    assert.equal(waiting.targetKind, 'oci-layout');
    assert.equal(waiting.attempts, 0, 'the layout was checked before any attempt');
    assert.match(waiting.waitingFor ?? '', /to be copied into the OCI layout/);
    assert.ok(Date.parse(waiting.nextAttemptAt!) > Date.now() + 3_000_000, 'held for the longest backoff');

    const layout = await OciLayoutStore.open(dir);
    await layout.putBlob(new TextEncoder().encode('{}'));
    const subject = await layout.putManifest(image, 'application/vnd.oci.image.manifest.v1+json', { tag: 'v1' });
    const p = await stateOf(ledger.url, id, 'published');
    assert.equal(p.attempts, 1, 'released by its arrival, attempted once');
    const referrers = await layout.listReferrers(subject.digest);
    assert.deepEqual(referrers.map((r) => r.digest), [p.digest]);
    const skopeo = which('skopeo');
    if (skopeo) {
      const r = spawnSync(skopeo, ['inspect', '--raw', `oci:${dir}:${referrersTag(digest)}`], { encoding: 'utf8' });
      assert.equal(r.status, 0, `skopeo inspect: ${r.stderr}`);
      assert.deepEqual((JSON.parse(r.stdout) as { manifests: Descriptor[] }).manifests.map((m) => m.digest), [p.digest]);
    } else {
      console.log('# skopeo is not installed: skipping `skopeo inspect oci:<dir>` (optional: apt-get install skopeo)');
    }
  });
});
