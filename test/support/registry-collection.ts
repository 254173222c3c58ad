/**
 * Pushes a small real collection (an OCI image manifest with a config and one layer) into a
 * registry with plain `fetch` — independent of libs/oci, so client tests check against content
 * they did not write themselves.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface PushedCollection {
  /** The manifest descriptor as a registry reports it. */
  descriptor: { mediaType: string; digest: string; size: number };
  manifest: Uint8Array;
  config: Uint8Array;
  layer: Uint8Array;
  /** `host/repo@sha256:…` */
  reference: string;
}

const sha256 = (b: Uint8Array): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function pushBlob(base: string, repo: string, bytes: Uint8Array, headers: Record<string, string>): Promise<string> {
  const digest = sha256(bytes);
  const post = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers });
  await post.arrayBuffer();
  if (post.status !== 202) throw new Error(`couldn't start upload: HTTP ${post.status}`);
  const loc = new URL(post.headers.get('location') ?? '', base);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`couldn't upload blob: HTTP ${put.status}`);
  return digest;
}

/**
 * Pushes a collection to `repo` on the registry at `base` (e.g. `http://127.0.0.1:5000`), tagged
 * `tag` when given. Content is random unless `seed` is given (then it is deterministic).
 */
export async function pushTestCollection(
  base: string,
  repo: string,
  options: { tag?: string; seed?: string; authorization?: string } = {},
): Promise<PushedCollection> {
  const headers: Record<string, string> = options.authorization ? { authorization: options.authorization } : {};
  const noise = options.seed ?? randomBytes(8).toString('hex');
  const layer = new TextEncoder().encode(`layer content ${noise}\n`);
  const config = new TextEncoder().encode(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] }, config: {} }),
  );
  await pushBlob(base, repo, config, headers);
  await pushBlob(base, repo, layer, headers);
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }],
    }),
  );
  const digest = sha256(manifest);
  const put = await fetch(`${base}/v2/${repo}/manifests/${options.tag ?? digest}`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': mediaType },
    body: manifest,
  });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`couldn't push manifest: HTTP ${put.status}`);
  return { descriptor: { mediaType, digest, size: manifest.length }, manifest, config, layer, reference: `${new URL(base).host}/${repo}@${digest}` };
}
