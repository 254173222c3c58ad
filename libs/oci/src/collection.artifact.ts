/**
 * A collection as an OCI artifact (image-spec 1.1 artifact guidance), what `scitt push` uploads:
 * an image manifest with `artifactType`, the empty config, and one layer per path — a file as
 * itself, a directory as a deterministic tar (sorted entries, mtime 0, portable modes and no
 * owners), each titled with `org.opencontainers.image.title` like `oras push` does (a directory
 * also carries oras's `io.deis.oras.content.unpack: "true"`, so `oras pull` unpacks it).
 * No clock anywhere: the same files give the same manifest digest, so pushing again is a no-op.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { create as createTar } from 'tar';
import { canonicalDescriptor, jsonBytes, sortedAnnotations, type Descriptor } from './descriptor.js';
import { sha256Digest } from './digest.js';
import { ANNOTATION_TITLE, EMPTY_JSON_BYTES, EMPTY_JSON_DIGEST, MEDIA_TYPE_OCI_EMPTY, MEDIA_TYPE_OCI_MANIFEST } from './media-types.js';
import { OciError } from './oci.errors.js';
import type { ArtifactBlob } from './artifact.builder.js';
import type { OciLayoutStore } from './layout.store.js';
import type { RegistryClient } from './registry.client.js';

/** Default `artifactType` of a pushed collection. */
export const ARTIFACT_TYPE_COLLECTION = 'application/vnd.scitt-ledger.collection.v1';
export const MEDIA_TYPE_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
export const ANNOTATION_ORAS_UNPACK = 'io.deis.oras.content.unpack';

/** A collection artifact, ready to push: blobs first (config, layers), then the manifest. */
export interface CollectionArtifact {
  readonly manifest: Uint8Array;
  readonly digest: string;
  readonly artifactType: string;
  readonly blobs: readonly ArtifactBlob[];
}

const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.json': 'application/json',
  '.spdx.json': 'application/spdx+json',
  '.cdx.json': 'application/vnd.cyclonedx+json',
  '.intoto.jsonl': 'application/vnd.in-toto+json',
  '.txt': 'text/plain',
  '.tar': MEDIA_TYPE_LAYER_TAR,
  '.tar.gz': 'application/vnd.oci.image.layer.v1.tar+gzip',
  '.tgz': 'application/vnd.oci.image.layer.v1.tar+gzip',
};

/** The media type a file gets by its name (longest known extension), else `application/octet-stream`. */
export function mediaTypeOfFile(name: string): string {
  const n = name.toLowerCase();
  const ext = Object.keys(BY_EXTENSION).filter((e) => n.endsWith(e)).sort((a, b) => b.length - a.length)[0];
  return ext ? BY_EXTENSION[ext]! : 'application/octet-stream';
}

/** Every path under `dir` (directories and files), sorted, relative to `dir`'s parent. Symlinks are refused. */
async function listTree(root: string, dir: string, out: string[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't pack ${p}: symbolic links are not packed (copy the target instead)`);
    if (!e.isDirectory() && !e.isFile()) throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't pack ${p}: not a regular file or directory`);
    out.push(relative(root, p).split(sep).join('/'));
    if (e.isDirectory()) await listTree(root, p, out);
  }
}

/** A directory as a deterministic tar: entries `<dirname>/…` in sorted order, mtime 0, portable metadata. */
export async function tarDirectory(dir: string): Promise<Uint8Array> {
  const abs = resolve(dir);
  const parent = resolve(abs, '..');
  const paths = [basename(abs)];
  await listTree(parent, abs, paths);
  const chunks: Buffer[] = [];
  for await (const c of createTar({ cwd: parent, portable: true, mtime: new Date(0), noDirRecurse: true }, paths)) chunks.push(c as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Builds the artifact of `paths` (files and directories, in the order given).
 * @example
 *   const a = await buildCollectionArtifact(['sbom.spdx.json', 'dist/']);
 *   await pushCollection(a, { client, repository: 'acme/app', tag: '1.0' });
 */
export async function buildCollectionArtifact(
  paths: readonly string[],
  o: { artifactType?: string; mediaType?: string; annotations?: Record<string, string> } = {},
): Promise<CollectionArtifact> {
  if (paths.length === 0) throw new OciError('ERR_OCI_ARTIFACT_INVALID', "couldn't build the artifact: no files");
  const artifactType = o.artifactType ?? ARTIFACT_TYPE_COLLECTION;
  for (const mt of [artifactType, ...(o.mediaType ? [o.mediaType] : [])]) {
    if (!MEDIA_TYPE.test(mt)) throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't build the artifact: ${JSON.stringify(mt)} is not a media type (type/subtype)`);
  }
  const titles = new Set<string>();
  const layers: ArtifactBlob[] = [];
  for (const p of paths) {
    const st = await stat(p);
    const title = basename(resolve(p));
    if (titles.has(title)) throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't build the artifact: two paths are named ${title}`);
    titles.add(title);
    const dir = st.isDirectory();
    if (!dir && !st.isFile()) throw new OciError('ERR_OCI_ARTIFACT_INVALID', `couldn't pack ${p}: not a regular file or directory`);
    const bytes = dir ? await tarDirectory(p) : new Uint8Array(await readFile(p));
    const annotations: Record<string, string> = { [ANNOTATION_TITLE]: title, ...(dir ? { [ANNOTATION_ORAS_UNPACK]: 'true' } : {}) };
    const mediaType = dir ? MEDIA_TYPE_LAYER_TAR : (o.mediaType ?? mediaTypeOfFile(title));
    layers.push({ descriptor: canonicalDescriptor({ mediaType, digest: sha256Digest(bytes), size: bytes.length, annotations }), bytes });
  }
  const config: ArtifactBlob = { descriptor: { mediaType: MEDIA_TYPE_OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 }, bytes: EMPTY_JSON_BYTES };
  const annotations = o.annotations && Object.keys(o.annotations).length > 0 ? { annotations: sortedAnnotations(o.annotations) } : {};
  // Key order is part of the digest: keep it fixed.
  const manifest = jsonBytes({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, artifactType, config: config.descriptor, layers: layers.map((l) => l.descriptor), ...annotations });
  return { manifest, digest: sha256Digest(manifest), artifactType, blobs: [config, ...layers] };
}

/** Pushes blobs then the manifest (by tag when given, else by digest) to a registry repository or an OCI layout. */
export async function pushCollection(
  a: CollectionArtifact,
  to: { client: RegistryClient; repository: string; tag?: string } | { layout: OciLayoutStore; tag?: string },
): Promise<Descriptor> {
  const descriptor: Descriptor = { mediaType: MEDIA_TYPE_OCI_MANIFEST, artifactType: a.artifactType, digest: a.digest, size: a.manifest.length };
  if ('layout' in to) {
    for (const b of a.blobs) await to.layout.putBlob(b.bytes, b.descriptor.digest);
    return to.layout.putManifest(a.manifest, MEDIA_TYPE_OCI_MANIFEST, { artifactType: a.artifactType, ...(to.tag ? { tag: to.tag } : {}) });
  }
  for (const b of a.blobs) await to.client.pushBlob(to.repository, b.bytes, { digest: b.descriptor.digest });
  const put = await to.client.putManifest(to.repository, to.tag ?? a.digest, a.manifest, MEDIA_TYPE_OCI_MANIFEST);
  if (put.digest !== a.digest) throw new OciError('ERR_OCI_DIGEST_MISMATCH', `couldn't push the manifest: the registry stored ${put.digest}, not ${a.digest}`);
  return descriptor;
}
