/**
 * An OCI image layout on disk (image-spec `image-layout.md`): `oci-layout`, `index.json`,
 * `blobs/<alg>/<hex>`. Referrer manifests are untagged `index.json` entries (what
 * `oras discover --oci-layout` reads); the tag-schema referrers index of each subject is a tagged
 * entry (`org.opencontainers.image.ref.name: sha256-<hex>`), for tag-schema tools.
 *
 * Durability: every file is written atomically (temp, fsync, rename, fsync dir); blobs before the
 * `index.json` that names them, so a crash leaves at worst unreferenced blobs. `index.json` updates
 * hold an in-process mutex and a lock file (`index.json.lock`): one writer across processes.
 */
import { statSync } from 'node:fs';
import { readFile, stat, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ReferrerArtifact } from './artifact.builder.js';
import { canonicalDescriptor, indexManifests, jsonBytes, parseJsonObject, type Descriptor } from './descriptor.js';
import { isDigest, parseDigest, referrersTag, sha256Digest, verifyDigest } from './digest.js';
import { KeyedMutex } from './keyed.mutex.js';
import { withLockFile, writeFileAtomic } from './layout.files.js';
import { ANNOTATION_REF_NAME, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST, isIndexMediaType } from './media-types.js';
import { OciError } from './oci.errors.js';
import { mergeReferrersIndex, referrerDescriptor, referrersFromIndex } from './referrers-index.js';
import type { ListReferrersOptions, PushedReferrer, ReferrerTarget, RepositoryRef } from './referrer.target.js';

const LAYOUT_FILE = '{"imageLayoutVersion":"1.0.0"}';
const writers = new KeyedMutex();

/**
 * One OCI image layout directory.
 * @example
 *   const store = await OciLayoutStore.open('./data/referrers');
 *   await store.pushReferrer(artifact);
 *   await store.listReferrers(artifact.subject.digest);
 */
export class OciLayoutStore {
  /**
   * The last `index.json` read, with the file identity it was read from (inode, size, mtime in ns:
   * every write here, and any well-behaved tool's, replaces the file or changes them). A reader
   * then costs one `stat` instead of reading and parsing the whole index — which grows by one entry
   * per referrer published, and is read by every publication attempt that resolves a subject.
   */
  private cached: { readonly key: string; readonly entries: readonly Descriptor[]; byDigest?: Map<string, Descriptor> } | undefined;

  private constructor(readonly dir: string) {}

  /** Opens a layout, creating `oci-layout` and an empty `index.json` when absent. Throws `ERR_OCI_LAYOUT_INVALID`. */
  static async open(dir: string): Promise<OciLayoutStore> {
    const abs = resolve(dir);
    await mkdir(join(abs, 'blobs', 'sha256'), { recursive: true });
    const store = new OciLayoutStore(abs);
    await writers.run(abs, () =>
      withLockFile(join(abs, 'index.json.lock'), async () => {
        const layout = await readFile(join(abs, 'oci-layout'), 'utf8').catch(() => undefined);
        if (layout === undefined) await writeFileAtomic(join(abs, 'oci-layout'), new TextEncoder().encode(LAYOUT_FILE));
        else if ((JSON.parse(layout) as { imageLayoutVersion?: unknown }).imageLayoutVersion !== '1.0.0') {
          throw new OciError('ERR_OCI_LAYOUT_INVALID', `couldn't open OCI layout ${abs}: unsupported imageLayoutVersion`);
        }
        if (!(await exists(join(abs, 'index.json')))) {
          await writeFileAtomic(join(abs, 'index.json'), jsonBytes({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: [] }));
        }
      }),
    );
    return store;
  }

  private blobPath(digest: string): string {
    const { algorithm, encoded } = parseDigest(digest);
    return join(this.dir, 'blobs', algorithm, encoded);
  }

  async hasBlob(digest: string): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  /** Writes a blob (content-addressed, atomic; no-op when present). Returns its digest. */
  async putBlob(bytes: Uint8Array, digest: string = sha256Digest(bytes)): Promise<string> {
    verifyDigest(bytes, digest, 'blob');
    if (!(await this.hasBlob(digest))) await writeFileAtomic(this.blobPath(digest), bytes);
    return digest;
  }

  /** Reads a blob and verifies its digest. Throws `ERR_OCI_NOT_FOUND`, `ERR_OCI_DIGEST_MISMATCH`. */
  async getBlob(digest: string): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.blobPath(digest)));
    } catch (cause) {
      throw new OciError('ERR_OCI_NOT_FOUND', `couldn't read blob ${digest} in ${this.dir}: ${(cause as NodeJS.ErrnoException).code}`, { cause });
    }
    verifyDigest(bytes, digest, `blob ${digest} in ${this.dir}`);
    return bytes;
  }

  /** The `index.json` entries (do not modify the array: it may be the cached one). */
  async index(): Promise<readonly Descriptor[]> {
    return (await this.indexState()).entries;
  }

  private async indexState(): Promise<NonNullable<OciLayoutStore['cached']>> {
    const path = join(this.dir, 'index.json');
    const key = fileKey(await stat(path, { bigint: true }));
    if (this.cached?.key === key) return this.cached;
    const bytes = new Uint8Array(await readFile(path));
    const entries = indexManifests(parseJsonObject(bytes, `${this.dir}/index.json`), `${this.dir}/index.json`);
    // the identity after the read: a write between stat and read is then read again next time
    const after = fileKey(await stat(path, { bigint: true }));
    const state = { key: after === key ? key : `stale:${after}`, entries };
    this.cached = state;
    return state;
  }

  /**
   * Stores a manifest blob and lists it in `index.json`: under `tag` (replacing the entry that had
   * the tag), or untagged (once per digest). Returns its descriptor.
   */
  async putManifest(bytes: Uint8Array, mediaType: string, options: { tag?: string; artifactType?: string } = {}): Promise<Descriptor> {
    const digest = await this.putBlob(bytes);
    const d: Descriptor = { mediaType, digest, size: bytes.length };
    if (options.artifactType) d.artifactType = options.artifactType;
    if (options.tag) d.annotations = { [ANNOTATION_REF_NAME]: options.tag };
    await this.updateIndex((entries) => upsert(entries, canonicalDescriptor(d)));
    return d;
  }

  /**
   * Whether the layout holds each of `digests` as {@link resolve} would find it: listed in
   * `index.json`, or a blob (a child manifest of a listed image index). One read of the (cached)
   * index for all, and a synchronous `stat` per distinct unlisted digest (a miss builds no error
   * object): for a background batch checking many subjects at once, often many claims about one.
   */
  async holdsAll(digests: readonly string[]): Promise<boolean[]> {
    const listed = byDigestOf(await this.indexState());
    const blobs = new Map<string, boolean>();
    return digests.map((d) => {
      if (listed.has(d)) return true;
      let held = blobs.get(d);
      if (held === undefined) blobs.set(d, (held = isDigest(d) && statSync(this.blobPath(d), { throwIfNoEntry: false }) !== undefined));
      return held;
    });
  }

  /** A tag (`org.opencontainers.image.ref.name`) or digest → descriptor, or undefined. */
  async resolve(reference: string): Promise<Descriptor | undefined> {
    const state = await this.indexState();
    const entries = state.entries;
    if (isDigest(reference)) {
      const e = byDigestOf(state).get(reference);
      if (e) return e;
      if (!(await this.hasBlob(reference))) return undefined;
      const bytes = await this.getBlob(reference);
      const mt = parseJsonObject(bytes, `manifest ${reference}`).mediaType;
      return { mediaType: typeof mt === 'string' ? mt : MEDIA_TYPE_OCI_MANIFEST, digest: reference, size: bytes.length };
    }
    return entries.find((x) => x.annotations?.[ANNOTATION_REF_NAME] === reference);
  }

  /** Reads a manifest by tag or digest. Throws `ERR_OCI_NOT_FOUND`. */
  async getManifest(reference: string): Promise<{ descriptor: Descriptor; bytes: Uint8Array }> {
    const d = await this.resolve(reference);
    if (!d) throw new OciError('ERR_OCI_NOT_FOUND', `couldn't find manifest ${reference} in ${this.dir}`);
    return { descriptor: d, bytes: await this.getBlob(d.digest) };
  }

  /**
   * Writes a referrer artifact: blobs, the manifest as an untagged `index.json` entry, and the
   * subject's `sha256-<hex>` referrers index (merged, de-duplicated) as a tagged entry — both
   * entries in one atomic `index.json` replace. Idempotent.
   */
  async pushReferrer(artifact: ReferrerArtifact): Promise<PushedReferrer> {
    for (const b of artifact.blobs) await this.putBlob(b.bytes, b.descriptor.digest);
    await this.putBlob(artifact.manifest, artifact.digest);
    const tag = referrersTag(artifact.subject.digest);
    let indexDigest = '';
    await this.updateIndex(async (entries) => {
      const current = entries.find((e) => e.annotations?.[ANNOTATION_REF_NAME] === tag);
      const existing = current ? await this.getBlob(current.digest) : undefined;
      const merged = mergeReferrersIndex(existing, [artifact.descriptor]);
      indexDigest = await this.putBlob(merged.bytes);
      let next = upsert(entries, { mediaType: artifact.descriptor.mediaType, artifactType: artifact.descriptor.artifactType ?? '', digest: artifact.digest, size: artifact.manifest.length });
      next = upsert(next, { mediaType: MEDIA_TYPE_OCI_INDEX, digest: indexDigest, size: merged.bytes.length, annotations: { [ANNOTATION_REF_NAME]: tag } });
      return next;
    });
    return { digest: artifact.digest, descriptor: artifact.descriptor, via: 'tag', indexDigest };
  }

  /**
   * Referrers of `subject`: the entries of its tag-schema index, plus any untagged manifest in
   * `index.json` whose `subject` is it (written by other tools), de-duplicated by digest.
   */
  async listReferrers(subject: string, options: ListReferrersOptions = {}): Promise<Descriptor[]> {
    const entries = await this.index();
    const out = new Map<string, Descriptor>();
    const tagged = entries.find((e) => e.annotations?.[ANNOTATION_REF_NAME] === referrersTag(subject));
    if (tagged) for (const d of referrersFromIndex(await this.getBlob(tagged.digest))) out.set(d.digest, d);
    for (const e of entries) {
      if (out.has(e.digest) || isIndexMediaType(e.mediaType) || e.annotations?.[ANNOTATION_REF_NAME] !== undefined) continue;
      const r = referrerDescriptor(await this.getBlob(e.digest), e.digest, e.mediaType);
      if (r && r.subject === subject) out.set(e.digest, r.descriptor);
    }
    const all = [...out.values()];
    return options.artifactType === undefined ? all : all.filter((d) => d.artifactType === options.artifactType);
  }

  /** Read-modify-write of `index.json` under the in-process mutex and the lock file. */
  private async updateIndex(change: (entries: Descriptor[]) => Descriptor[] | Promise<Descriptor[]>): Promise<void> {
    await writers.run(this.dir, () =>
      withLockFile(join(this.dir, 'index.json.lock'), async () => {
        const path = join(this.dir, 'index.json');
        const obj = parseJsonObject(new Uint8Array(await readFile(path)), path);
        const next = await change(indexManifests(obj, path));
        await writeFileAtomic(path, jsonBytes({ ...obj, schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: next }));
      }),
    );
  }
}

/** Adds `d` to the entries: a tagged one replaces the entry with that tag; an untagged one is added once per digest. */
function upsert(entries: Descriptor[], d: Descriptor): Descriptor[] {
  const tag = d.annotations?.[ANNOTATION_REF_NAME];
  if (tag !== undefined) return [...entries.filter((e) => e.annotations?.[ANNOTATION_REF_NAME] !== tag), canonicalDescriptor(d)];
  if (entries.some((e) => e.digest === d.digest && e.annotations?.[ANNOTATION_REF_NAME] === undefined)) return entries;
  const clean: Descriptor = { ...d };
  if (!clean.artifactType) delete clean.artifactType;
  return [...entries, canonicalDescriptor(clean)];
}

/** The index entries by digest (the first entry of each), built once per read of the index. */
function byDigestOf(state: { readonly entries: readonly Descriptor[]; byDigest?: Map<string, Descriptor> }): Map<string, Descriptor> {
  if (!state.byDigest) {
    state.byDigest = new Map();
    for (const x of state.entries) if (!state.byDigest.has(x.digest)) state.byDigest.set(x.digest, x);
  }
  return state.byDigest;
}

/** A file's identity for the index cache: inode, size and modification time (ns). */
const fileKey = (s: { ino: bigint; size: bigint; mtimeNs: bigint }): string => `${s.ino}:${s.size}:${s.mtimeNs}`;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * {@link ReferrerTarget} over OCI layouts: by default one layout at `root` for every repository
 * (subjects are digests, so they do not collide); with `perRepository`, one layout per
 * `<root>/<registry>/<repository>`.
 */
export class OciLayoutReferrerTarget implements ReferrerTarget {
  private readonly stores = new Map<string, Promise<OciLayoutStore>>();
  constructor(private readonly root: string, private readonly options: { perRepository?: boolean } = {}) {}

  /** The layout store for a repository (opened on first use). */
  store(repo: RepositoryRef): Promise<OciLayoutStore> {
    const dir = this.options.perRepository ? join(this.root, repo.registry, repo.repository) : this.root;
    let s = this.stores.get(dir);
    if (!s) {
      s = OciLayoutStore.open(dir);
      s.catch(() => this.stores.delete(dir));
      this.stores.set(dir, s);
    }
    return s;
  }

  async pushReferrer(repo: RepositoryRef, artifact: ReferrerArtifact): Promise<PushedReferrer> {
    return (await this.store(repo)).pushReferrer(artifact);
  }

  async listReferrers(repo: RepositoryRef, subject: string, options?: ListReferrersOptions): Promise<Descriptor[]> {
    return (await this.store(repo)).listReferrers(subject, options);
  }
}
