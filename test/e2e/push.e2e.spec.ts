/**
 * `scitt push`: files and a directory as one OCI artifact into a real docker-registry and into an
 * OCI image layout; the printed digest reference names exactly what the registry stores, the
 * directory layer is a tar that `tar` lists, and pushing the same content again gives the same digest.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliSandbox, runScitt, show } from '../../libs/cli/test/cli.runner.js';
import { registrySkip, startRegistry, type TestRegistry } from '../support/registry.js';

interface Manifest {
  artifactType: string;
  config: { mediaType: string; digest: string };
  layers: { mediaType: string; digest: string; size: number; annotations: Record<string, string> }[];
}

const sha256 = (b: Uint8Array): string => execFileSync('sha256sum', { input: b }).toString().split(' ')[0]!;

describe('scitt push', { skip: registrySkip() }, () => {
  let registry: TestRegistry;
  const box = cliSandbox('scitt-push-');
  const scitt = (...args: string[]) => runScitt(args, { env: box.env, cwd: box.dir });

  before(async () => {
    registry = await startRegistry();
    writeFileSync(join(box.dir, 'sbom.spdx.json'), JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'app' }));
    mkdirSync(join(box.dir, 'dist', 'bin'), { recursive: true });
    writeFileSync(join(box.dir, 'dist', 'bin', 'app'), '#!/bin/sh\necho app\n', { mode: 0o755 });
    writeFileSync(join(box.dir, 'dist', 'README'), 'the app\n');
  });
  after(async () => {
    await registry?.dispose();
    rmSync(box.dir, { recursive: true, force: true });
  });

  it('pushes a file and a directory to a registry and prints the digest reference of what it stored', async () => {
    const r = await scitt('push', `${registry.host}/acme/app:1.0`, 'sbom.spdx.json', 'dist');
    assert.equal(r.code, 0, show(r));
    const ref = r.stdout.trim();
    assert.match(ref, new RegExp(`^${registry.host}/acme/app@sha256:[0-9a-f]{64}$`));
    const digest = ref.split('@')[1]!;
    // the tag and the digest name the same manifest, whose bytes hash to the printed digest
    const res = await fetch(`${registry.url}/v2/acme/app/manifests/1.0`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(res.status, 200);
    assert.equal(`sha256:${sha256(bytes)}`, digest);
    const m = JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
    assert.equal(m.artifactType, 'application/vnd.scitt-ledger.collection.v1');
    assert.equal(m.config.mediaType, 'application/vnd.oci.empty.v1+json');
    assert.deepEqual(m.layers.map((l) => [l.mediaType, l.annotations['org.opencontainers.image.title']]), [
      ['application/spdx+json', 'sbom.spdx.json'],
      ['application/vnd.oci.image.layer.v1.tar', 'dist'],
    ]);
    const file = new Uint8Array(await (await fetch(`${registry.url}/v2/acme/app/blobs/${m.layers[0]!.digest}`)).arrayBuffer());
    assert.deepEqual(file, new Uint8Array(readFileSync(join(box.dir, 'sbom.spdx.json'))));
    const tar = new Uint8Array(await (await fetch(`${registry.url}/v2/acme/app/blobs/${m.layers[1]!.digest}`)).arrayBuffer());
    const listing = execFileSync('tar', ['-tvf', '-'], { input: tar }).toString();
    assert.deepEqual(listing.trim().split('\n').map((l) => l.split(/\s+/).pop()), ['dist/', 'dist/README', 'dist/bin/', 'dist/bin/app']);
    assert.match(listing, /-rwxr-xr-x .* dist\/bin\/app/, 'the executable bit survives');
    // the same content, touched, pushed again: the same digest (no clock in the artifact)
    utimesSync(join(box.dir, 'dist', 'README'), new Date(), new Date(Date.now() - 86_400_000));
    const again = await scitt('push', `${registry.host}/acme/app`, 'sbom.spdx.json', 'dist', '-o', 'json');
    assert.equal(again.code, 0, show(again));
    assert.equal(JSON.parse(again.stdout).digest, digest);
  });

  it('pushes into an OCI image layout, tagged', async () => {
    const r = await scitt('push', '--oci-layout', 'layout:v1', 'sbom.spdx.json');
    assert.equal(r.code, 0, show(r));
    const digest = r.stdout.trim().split('@')[1]!;
    const index = JSON.parse(readFileSync(join(box.dir, 'layout', 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
    const entry = index.manifests.find((d) => d.digest === digest);
    assert.equal(entry?.annotations?.['org.opencontainers.image.ref.name'], 'v1');
    const manifest = readFileSync(join(box.dir, 'layout', 'blobs', 'sha256', digest.slice('sha256:'.length)));
    assert.equal(`sha256:${sha256(manifest)}`, digest);
  });

  it('refuses what it cannot push with a usage error (exit 2)', async () => {
    for (const args of [
      ['push', `${registry.host}/acme/app`, 'missing.json'],
      ['push', `${registry.host}/acme/app@sha256:${'0'.repeat(64)}`, 'sbom.spdx.json'],
      ['push', 'Not A Reference', 'sbom.spdx.json'],
    ]) {
      const r = await scitt(...args);
      assert.equal(r.code, 2, `${args.join(' ')}\n${show(r)}`);
      assert.match(r.stderr, /^scitt: couldn't /);
    }
  });
});
