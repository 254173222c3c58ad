/**
 * One publication attempt: read the entry and its receipt from the log index, resolve the
 * subject descriptor (HEAD on the registry, or the layout), build the receipt artifact
 * deterministically and push it to the target. Idempotent: the same entry always gives the same
 * manifest digest, and the targets merge the referrers index by digest.
 */
import {
  ANNOTATION_REF_NAME,
  ARTIFACT_TYPE_SCITT_REVOCATION,
  MEDIA_TYPE_SCITT_RECEIPT,
  OciLayoutReferrerTarget,
  indexManifests,
  isIndexMediaType,
  parseJsonObject,
  type OciLayoutStore,
  RegistryReferrerTarget,
  buildReceiptArtifact,
  receiptAnnotations,
  type Descriptor,
  type ReferrerArtifact,
} from '../../libs/oci/src/index.js';
import { toTransparentStatement } from '../../libs/receipt/src/index.js';
import type { IndexedEntry, LogIndexStore } from '../log/log-index.store.js';
import type { NewPublication, PublicationRecord } from './publication.store.js';
import type { PublisherConfig } from './publisher.config.js';
import { PublisherError } from './publisher.errors.js';

/** What an attempt produced. */
export interface PublishedArtifact {
  readonly digest: string;
  /** `api` / `tag` (registry) or `layout` */
  readonly via: string;
}

/** The artifact digest is known before the push: failures record it too. */
export class PublishFailure extends Error {
  constructor(
    readonly digest: string | undefined,
    cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.name = 'PublishFailure';
  }
}

const MAX_CACHED_SUBJECTS = 4096;
/** artifacts of one subject pushed at a time (their blobs in parallel too) */
const PUSH_PARALLEL = 4;
/** how long an attempt waits for its entry to reach the log index before it counts as failed */
const INDEX_WAIT_MS = 2000;

export interface PublicationAttemptOptions {
  readonly config: PublisherConfig;
  readonly index: LogIndexStore;
  /** the transparency service's identifier (annotation `dev.scitt-ledger.service`) */
  readonly service: string;
  /** aborts requests in flight on shutdown */
  readonly signal: AbortSignal;
}

/** Why a subject that is not in the layout, where the layout is the only place to look, can't be resolved. */
export const subjectNotInLayout = (rec: Pick<NewPublication, 'registry' | 'repository' | 'subjectDigest'>): { readonly code: 'ERR_PUBLISH_SUBJECT_UNKNOWN'; readonly message: string } => ({
  code: 'ERR_PUBLISH_SUBJECT_UNKNOWN',
  message: `couldn't resolve subject ${rec.registry}/${rec.repository}@${rec.subjectDigest}: the OCI layout does not hold it and OCI_SUBJECT_LOOKUP=layout forbids asking ${rec.registry}`,
});

export class PublicationAttempts {
  private readonly subjects = new Map<string, Descriptor>();
  /** the layout's entries when {@link layoutArrivals} last looked, and their digests */
  private listed: { readonly entries: readonly Descriptor[]; readonly digests: ReadonlySet<string> } | undefined;
  /** a publication went to the embedded layout (or was checked against it): only then is it watched */
  private layoutUsed = false;
  readonly layout: OciLayoutReferrerTarget;
  /**
   * The registries: one client per host with its configured settings (or, for subject lookups
   * only, loopback ⇒ http, else https), the referrers mode per host, detection and index writers.
   */
  readonly registries: RegistryReferrerTarget;

  constructor(private readonly o: PublicationAttemptOptions) {
    this.layout = new OciLayoutReferrerTarget(o.config.layoutDir);
    const signal = o.signal;
    const { config } = o;
    this.registries = new RegistryReferrerTarget({
      credentials: (h) => config.registries.get(h)?.credentials ?? config.dockerCredentials(h),
      referrersMode: config.referrersMode,
      perRegistry: Object.fromEntries([...config.registries].map(([h, s]) => [h, { plainHttp: !s.tls, referrersMode: s.referrersMode }])),
      timeoutMs: config.requestTimeoutMs,
      fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
      userAgent: 'scitt-ledger-publisher/0.1',
    });
  }

  /**
   * For each new publication, whether its subject is known to be missing before any attempt: only
   * for the embedded layout with OCI_SUBJECT_LOOKUP=layout, where the layout is the only place to
   * look (one read of the cached index for the batch and a stat per unlisted subject — no request).
   * Everything else answers false and is attempted as usual.
   */
  async missingSubjects(rows: readonly NewPublication[]): Promise<boolean[]> {
    const out = rows.map(() => false);
    if (this.o.config.subjectLookup !== 'layout') return out;
    const byStore = new Map<Promise<OciLayoutStore>, number[]>();
    rows.forEach((r, i) => {
      if (r.targetKind !== 'oci-layout' || this.subjects.has(`${r.registry}/${r.repository}@${r.subjectDigest}`)) return;
      const store = this.layout.store(r);
      const at = byStore.get(store);
      if (at) at.push(i);
      else byStore.set(store, [i]);
    });
    if (byStore.size > 0) await this.watchLayout();
    for (const [store, at] of byStore) {
      const holds = await (await store).holdsAll(at.map((i) => rows[i]!.subjectDigest));
      at.forEach((i, k) => (out[i] = !holds[k]));
    }
    return out;
  }

  /**
   * Manifests listed in the embedded layout since the previous call (new `index.json` entries and
   * the children of new image indexes): subjects that may have arrived, so that the publications
   * waiting for them need not wait for their next attempt. The first call only takes the baseline.
   */
  /**
   * From the first publication that involves the layout on: take the baseline of {@link layoutArrivals}
   * before the layout is first asked about a subject, so that a subject copied in after that answer
   * is reported as arrived.
   */
  private async watchLayout(): Promise<void> {
    if (this.layoutUsed) return;
    this.layoutUsed = true;
    await this.layoutArrivals();
  }

  async layoutArrivals(): Promise<string[]> {
    if (!this.layoutUsed) return []; // a deployment publishing only to registries never opens the layout
    const store = await this.layout.store({ registry: '', repository: '' });
    const entries = await store.index();
    const before = this.listed;
    if (before?.entries === entries) return []; // the index was not read again: unchanged
    const digests = new Set(entries.map((e) => e.digest));
    this.listed = { entries, digests };
    if (!before) return [];
    const added: string[] = [];
    for (const e of entries) {
      // this publisher's own referrers, and the referrers indexes listing them (tag schema), change
      // the index all the time: they are nobody's awaited subject
      if (before.digests.has(e.digest) || e.artifactType === MEDIA_TYPE_SCITT_RECEIPT || e.artifactType === ARTIFACT_TYPE_SCITT_REVOCATION) continue;
      if (isIndexMediaType(e.mediaType) && e.annotations?.[ANNOTATION_REF_NAME]?.startsWith('sha256-')) continue;
      added.push(e.digest);
      if (!isIndexMediaType(e.mediaType)) continue;
      const children = await store.getBlob(e.digest).then((b) => indexManifests(parseJsonObject(b, e.digest), e.digest), () => []);
      for (const c of children) added.push(c.digest);
    }
    return added;
  }

  /** Builds the artifact for `rec` (throws {@link PublishFailure} without a digest when it can't). */
  async artifact(rec: PublicationRecord): Promise<ReferrerArtifact> {
    // The subject first: an attempt whose subject can't be resolved (the common failure: a subject
    // in no registry or layout) then costs no log-index reads and no receipt building.
    const subject = await this.subject(rec);
    // The event can arrive before the sequencer's log-index write that follows the same append
    // (the processors run in their own thread, on their own connection): wait for it briefly.
    // Read by the record's log index, with its bytes in the same read, the id compared: no lookup by id here.
    const indexed = (): (IndexedEntry & { readonly entry: Uint8Array }) | undefined => {
      const [e] = this.o.index.entriesFrom(rec.logIndex, 1);
      return e?.index === rec.logIndex && e.entryId === rec.entryId ? e : undefined;
    };
    let meta = indexed();
    for (let waited = 0; !meta && waited < INDEX_WAIT_MS && !this.o.signal.aborted; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
      meta = indexed();
    }
    const entry = meta?.entry;
    const receipt = meta && this.o.index.receiptOfEntry(meta);
    if (!entry || !receipt || !meta) {
      throw new PublisherError('ERR_PUBLISH_NOT_INDEXED', `couldn't publish entry ${rec.entryId}: its receipt is not in the log index yet`);
    }
    return buildReceiptArtifact({
      subject,
      transparentStatement: toTransparentStatement(entry, [receipt]),
      receipt,
      artifactType: rec.artifactType,
      annotations: receiptAnnotations({
        created: meta.registeredAt,
        service: this.o.service,
        issuer: meta.iss,
        entryId: meta.entryId,
        ...(meta.contentType !== '' ? { contentType: meta.contentType } : {}),
        logIndex: meta.index,
      }),
    });
  }

  /** Publishes `rec`; see the module comment. Throws {@link PublishFailure}. */
  async publish(rec: PublicationRecord): Promise<PublishedArtifact> {
    let artifact: ReferrerArtifact;
    try {
      artifact = await this.artifact(rec);
    } catch (err) {
      throw new PublishFailure(undefined, err);
    }
    try {
      const repo = { registry: rec.registry, repository: rec.repository };
      if (rec.targetKind === 'registry') {
        const r = await this.registries.pushReferrer(repo, artifact);
        return { digest: r.digest, via: r.via };
      }
      const r = await this.layout.pushReferrer(repo, artifact);
      return { digest: r.digest, via: 'layout' };
    } catch (err) {
      throw new PublishFailure(artifact.digest, err);
    }
  }

  /**
   * Publishes several entries about one subject (same target, registry, repository and subject
   * digest): each artifact is built, pushed with the others, and — with the tag schema — listed in
   * the subject's referrers index by one update (libs/oci `pushReferrers`). Answers per record, in
   * order, the artifact or its {@link PublishFailure}. One entry fails alone; a failure of the
   * subject's lookup or of the index fails them all.
   */
  async publishMany(recs: readonly PublicationRecord[]): Promise<(PublishedArtifact | PublishFailure)[]> {
    if (recs.length > 1) {
      // the subject once for the group (then cached), not one lookup per artifact built side by side
      try {
        await this.subject(recs[0]!);
      } catch (err) {
        return recs.map(() => new PublishFailure(undefined, err));
      }
    }
    if (recs.length === 1 || recs[0]!.targetKind !== 'registry') {
      return Promise.all(recs.map((r) => this.publish(r).catch((err: unknown) => (err instanceof PublishFailure ? err : new PublishFailure(undefined, err)))));
    }
    const built = await Promise.all(recs.map((r) => this.artifact(r).catch((err: unknown) => new PublishFailure(undefined, err))));
    const artifacts = built.filter((b): b is ReferrerArtifact => !(b instanceof PublishFailure));
    const pushed = artifacts.length === 0 ? [] : await this.registries.pushReferrers({ registry: recs[0]!.registry, repository: recs[0]!.repository }, artifacts, { parallel: PUSH_PARALLEL });
    let k = 0;
    return built.map((b) => {
      if (b instanceof PublishFailure) return b;
      const r = pushed[k++]!;
      return r instanceof Error ? new PublishFailure(b.digest, r) : { digest: r.digest, via: r.via };
    });
  }

  /** The subject's manifest descriptor (cached: a manifest digest names immutable content). */
  private async subject(rec: PublicationRecord): Promise<Descriptor> {
    const key = `${rec.registry}/${rec.repository}@${rec.subjectDigest}`;
    const cached = this.subjects.get(key);
    if (cached) return cached;
    let d: Descriptor | undefined;
    if (rec.targetKind === 'oci-layout') {
      await this.watchLayout();
      const inLayout = await (await this.layout.store(rec)).resolve(rec.subjectDigest);
      if (inLayout) d = { mediaType: inLayout.mediaType, digest: inLayout.digest, size: inLayout.size };
      else if (this.o.config.subjectLookup === 'layout') {
        const why = subjectNotInLayout(rec);
        throw new PublisherError(why.code, why.message);
      }
    }
    d ??= await this.registries.client(rec.registry).headManifest(rec.repository, rec.subjectDigest);
    if (!d) throw new PublisherError('ERR_PUBLISH_SUBJECT_NOT_FOUND', `couldn't resolve subject ${key}: the registry has no such manifest (yet)`);
    if (this.subjects.size >= MAX_CACHED_SUBJECTS) this.subjects.delete(this.subjects.keys().next().value!);
    this.subjects.set(key, d);
    return d;
  }
}
