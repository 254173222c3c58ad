/**
 * The worker against a real OCI layout on disk, with failures injected in front of it (a registry
 * outage, a flaky entry): lanes, concurrency bounds, backoff, registry pauses, stop.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OciLayoutStore, RegistryError, type Descriptor } from '../../libs/oci/src/index.js';
import { REVOCATION_CONTENT_TYPE, type EntryRegistered } from '../../libs/ledger/src/index.js';
import { sampleArtifact } from '../../test/support/registry-fixtures.js';
import { PublishFailure, type PublishedArtifact } from './publication.attempt.js';
import { PublicationStore, laneOf, type NewPublication, type PublicationRecord } from './publication.store.js';
import { PublicationWorker, retryDelay } from './publication.worker.js';
import { PublisherError } from './publisher.errors.js';
import { publicationOf } from './referrer-publisher.feature.js';

const SUBJECT: Descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:' + '1'.repeat(64), size: 123 };

const row = (n: number, repository: string, registry = 'r.example'): NewPublication => ({
  entryId: n.toString(16).padStart(64, '0'),
  logIndex: n,
  subject: `${registry}/${repository}@${SUBJECT.digest}`,
  registry,
  repository,
  subjectDigest: SUBJECT.digest,
  targetKind: 'registry',
  artifactType: 'application/scitt-receipt+cose',
  createdAt: Date.now(),
});

/** Publishes into a real layout; `fail(rec)` decides, per attempt, to throw instead (before any write). */
class InjectedLayout {
  active = new Map<string, number>();
  maxPerLane = 0;
  maxTotal = 0;
  calls = 0;
  constructor(
    private readonly store: OciLayoutStore,
    private readonly fail: (rec: PublicationRecord, call: number) => Error | undefined,
  ) {}
  async publish(rec: PublicationRecord): Promise<PublishedArtifact> {
    const lane = laneOf(rec);
    const call = ++this.calls;
    this.active.set(lane, (this.active.get(lane) ?? 0) + 1);
    this.maxPerLane = Math.max(this.maxPerLane, this.active.get(lane)!);
    this.maxTotal = Math.max(this.maxTotal, [...this.active.values()].reduce((a, b) => a + b, 0));
    try {
      await new Promise((r) => setTimeout(r, 5));
      const err = this.fail(rec, call);
      if (err) throw new PublishFailure(undefined, err);
      const r = await this.store.pushReferrer(sampleArtifact(SUBJECT, rec.logIndex));
      return { digest: r.digest, via: 'layout' };
    } finally {
      this.active.set(lane, this.active.get(lane)! - 1);
    }
  }
}

const outage = (): RegistryError => new RegistryError('ERR_OCI_NETWORK', "couldn't reach r.example: connection refused", { status: 0 });

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function withLayout(fn: (layout: OciLayoutStore, store: PublicationStore, workers: PublicationWorker[]) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'publisher-worker-'));
  const store = new PublicationStore(join(dir, 'publisher.sqlite'));
  const workers: PublicationWorker[] = [];
  try {
    await fn(await OciLayoutStore.open(join(dir, 'layout')), store, workers);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('retryDelay', () => {
  const retry = { minMs: 1000, maxMs: 300_000 };
  const table: [failures: number, random: number, want: number][] = [
    [1, 0, 500],
    [1, 1, 1000],
    [2, 1, 2000],
    [3, 0.5, 3000],
    [9, 1, 256_000],
    [10, 1, 300_000],
    [10, 0, 150_000],
    [1000, 1, 300_000],
  ];
  for (const [failures, random, want] of table) {
    it(`failure ${failures}, jitter ${random} → ${want} ms`, () => assert.equal(retryDelay(failures, retry, () => random), want));
  }
});

describe('publicationOf', () => {
  const event = (sub: string, contentType = 'application/json'): EntryRegistered => ({
    type: 'EntryRegistered', index: 3, entryId: 'e'.repeat(64), leafHash: new Uint8Array(32), entry: new Uint8Array(1), iss: 'i', sub, contentType, kid: 'k', registeredAt: '2026-01-01T00:00:00Z',
  });
  const config = { registries: new Map([['127.0.0.1:5000', { host: '127.0.0.1:5000', tls: false, referrersMode: 'auto' as const }]]) };
  it('maps collections to a target and an artifact type; ignores other subjects', () => {
    const d = SUBJECT.digest;
    assert.equal(publicationOf(event(`oci://127.0.0.1:5000/team/app@${d}`), config, 1)?.targetKind, 'registry');
    assert.deepEqual(
      { ...publicationOf(event(`127.0.0.1:5000/team/app@${d}`), config, 1) },
      { entryId: 'e'.repeat(64), logIndex: 3, subject: `127.0.0.1:5000/team/app@${d}`, registry: '127.0.0.1:5000', repository: 'team/app', subjectDigest: d, targetKind: 'registry', artifactType: 'application/scitt-receipt+cose', createdAt: 1 },
    );
    assert.equal(publicationOf(event(`ghcr.io/team/app@${d}`), config, 1)?.targetKind, 'oci-layout');
    assert.equal(publicationOf(event(`GHCR.IO/team/app@${d}`), config, 1)?.registry, 'ghcr.io');
    assert.equal(publicationOf(event(`ghcr.io/team/app@${d}`, REVOCATION_CONTENT_TYPE), config, 1)?.artifactType, 'application/vnd.scitt-ledger.revocation+cose');
    for (const sub of ['ghcr.io/team/app:latest', 'https://example.com/x', 'pkg:npm/left-pad@1.0.0', '', `ghcr.io/Team/app@${d}`]) {
      assert.equal(publicationOf(event(sub), config, 1), undefined, sub);
    }
  });
});

describe('PublicationWorker', () => {
  it('publishes every row, within the per-repository and global concurrency bounds', async () =>
    withLayout(async (layout, store) => {
      const rows = Array.from({ length: 30 }, (_, i) => row(i + 1, `repo${i % 3}`));
      store.insert(rows);
      const target = new InjectedLayout(layout, () => undefined);
      const worker = new PublicationWorker({ store, attempts: target, concurrency: 4, repositoryConcurrency: 2, retry: { minMs: 10, maxMs: 50 } });
      worker.kick();
      await until('all published', () => store.counts().published === 30);
      await worker.stop();
      assert.ok(target.maxPerLane <= 2, `per lane ${target.maxPerLane}`);
      assert.ok(target.maxTotal <= 4, `total ${target.maxTotal}`);
      assert.ok(target.maxTotal >= 2, 'lanes ran in parallel');
      assert.equal(target.calls, 30);
      assert.equal((await layout.listReferrers(SUBJECT.digest)).length, 30);
    }));

  it('backs off a failing entry without holding up the others, and records the error', async () =>
    withLayout(async (layout, store) => {
      store.insert([row(1, 'app'), row(2, 'app'), row(3, 'app')]);
      let flaky = 3;
      const target = new InjectedLayout(layout, (rec) => (rec.logIndex === 2 && flaky-- > 0 ? new Error('disk hiccup') : undefined));
      const worker = new PublicationWorker({ store, attempts: target, concurrency: 4, repositoryConcurrency: 1, retry: { minMs: 20, maxMs: 40 } });
      worker.kick();
      await until('1 and 3 published', () => store.get(row(1, 'app'))!.state === 'published' && store.get(row(3, 'app'))!.state === 'published');
      const failing = store.get(row(2, 'app'))!;
      if (failing.state !== 'published') {
        assert.equal(failing.state, 'failed-retrying');
        assert.equal(failing.lastError, 'disk hiccup');
        assert.equal(failing.lastErrorCode, 'ERR_PUBLISH_FAILED');
      }
      await until('2 published', () => store.get(row(2, 'app'))!.state === 'published');
      assert.equal(store.get(row(2, 'app'))!.attempts, 4);
      await worker.stop();
    }));

  it('pauses a registry that is down (a probe per backoff period, not a request per entry) and catches up after it returns', async () =>
    withLayout(async (layout, store, workers) => {
      const rows = Array.from({ length: 40 }, (_, i) => row(i + 1, `repo${i % 4}`, 'down.example'));
      store.insert([...rows, row(100, 'app', 'up.example')]);
      let down = true;
      const target = new InjectedLayout(layout, (rec) => (down && rec.registry === 'down.example' ? outage() : undefined));
      const changes: string[][] = [];
      const worker = new PublicationWorker({
        store,
        attempts: target,
        concurrency: 8,
        repositoryConcurrency: 2,
        retry: { minMs: 50, maxMs: 100 },
        onPausesChanged: (pauses) => changes.push(pauses.map((p) => p.registry)),
      });
      workers.push(worker);
      worker.kick();
      await until('the healthy registry published', () => store.get(row(100, 'app', 'up.example'))!.state === 'published');
      await until('the pause was reported as it happened', () => changes.some((c) => c.includes('down.example')));
      await new Promise((r) => setTimeout(r, 400));
      const pause = worker.pauseOf('down.example');
      const callsDuringOutage = target.calls;
      // the first wave (2 per lane × 4 lanes) fails together, then one probe per pause period (≈ 25–100 ms)
      assert.ok(callsDuringOutage <= 8 + 20, `${callsDuringOutage} attempts for 40 entries of a registry that is down`);
      assert.ok(store.counts().failedRetrying >= 1);
      assert.ok(pause === undefined || pause.error.startsWith('ERR_OCI_NETWORK'));
      down = false;
      await until('all published after the registry came back', () => store.counts().published === 41);
      assert.equal((await layout.listReferrers(SUBJECT.digest)).length, 41);
      assert.deepEqual(changes.at(-1), [], 'the resume was reported too');
      assert.ok(changes.every((c) => !c.includes('up.example')), 'a healthy registry is never reported paused');
      await worker.stop();
    }));

  it('holds a subject whose artifact is missing: no attempt per claim, new claims recorded held, all published once it appears', async () =>
    withLayout(async (layout, store, workers) => {
      const MISSING = 'sha256:' + '2'.repeat(64);
      const about = (n: number): NewPublication => ({ ...row(n, 'app'), subject: `r.example/app@${MISSING}`, subjectDigest: MISSING });
      store.insert([...Array.from({ length: 100 }, (_, i) => about(i + 1)), row(1000, 'app')]);
      let present = false;
      let missingCalls = 0;
      const target = new InjectedLayout(layout, (rec) => {
        if (rec.subjectDigest !== MISSING || present) return undefined;
        missingCalls++;
        return new PublisherError('ERR_PUBLISH_SUBJECT_NOT_FOUND', `couldn't resolve subject r.example/app@${MISSING}: the registry has no such manifest (yet)`);
      });
      const worker = new PublicationWorker({ store, attempts: target, concurrency: 4, repositoryConcurrency: 2, retry: { minMs: 100, maxMs: 400 } });
      workers.push(worker);
      worker.kick();
      await until('the other subject published', () => store.get(row(1000, 'app'))!.state === 'published');
      await new Promise((r) => setTimeout(r, 500));
      // a probe per backoff period (50–100, 100–200, 200–400 ms …), not an attempt per claim: 100 claims before
      assert.ok(missingCalls >= 1 && missingCalls <= 8, `${missingCalls} attempts for 100 claims about a missing subject`);
      const waiting = store.get(about(50))!;
      assert.equal(waiting.lastErrorCode, 'ERR_PUBLISH_SUBJECT_NOT_FOUND');
      assert.ok(waiting.nextAttemptAt > Date.now() - 50, 'held until the next probe');

      // a claim recorded while its subject is held waits with it, unattempted. Between two holds the
      // subject is probed and not held (rows about it wait for the probe instead), so take a moment
      // when it is held for ≥ 50 ms more: a slow machine could otherwise land between them.
      let late = about(200);
      await until('the subject held for a while yet', () => {
        late = worker.holdOf(about(200));
        return late.held !== undefined && late.held.until - Date.now() >= 50;
      });
      assert.equal(late.held?.code, 'ERR_PUBLISH_SUBJECT_NOT_FOUND');
      store.insert([late]);
      assert.deepEqual(store.dueInLane('registry:r.example/app', Date.now(), 500).filter((r) => r.logIndex === 200), []);
      assert.equal(worker.holdOf(row(1001, 'app')).held, undefined, 'another subject of the lane is not held');

      present = true; // the artifact is pushed: the next probe finds it and releases every claim about it
      await until('every claim published', () => store.counts().published === 102, 10_000);
      assert.equal(store.get(about(200))!.attempts, 1);
      await worker.stop();
    }));

  it('stop() waits for attempts in flight and leaves unfinished rows due (nothing recorded as failed)', async () =>
    withLayout(async (layout, store) => {
      store.insert([row(1, 'app')]);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const worker = new PublicationWorker({
        store,
        attempts: {
          publish: async () => {
            await gate;
            throw new PublishFailure(undefined, new Error('aborted by shutdown'));
          },
        },
        concurrency: 1,
        repositoryConcurrency: 1,
        retry: { minMs: 10, maxMs: 10 },
      });
      worker.kick();
      await until('in flight', () => worker.running === 1);
      const stopped = worker.stop();
      release();
      await stopped;
      const r = store.get(row(1, 'app'))!;
      assert.equal(r.state, 'pending');
      assert.equal(r.attempts, 0);
      assert.ok(layout);
    }));
});
