/**
 * `scitt push <target> <path>…`: put files and directories into a registry (or an OCI image
 * layout) as one OCI artifact — a collection a claim can be about — and print its digest
 * reference, the `--subject` of `scitt sign`. The artifact format: libs/oci collection.artifact.ts.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { buildCollectionArtifact, dockerConfigCredentials, OciLayoutStore, parseReference, pushCollection, type CredentialSource } from '../../oci/src/index.js';
import { registryClient } from './claim.sources.js';
import { collect, type CliContext } from './cli.context.js';
import { usage } from './cli.errors.js';

type Ctx = (cmd: Command) => CliContext;

/** `dir[:tag]` of an OCI layout target (a `:` followed by a path separator belongs to the path). */
export function layoutTarget(target: string): { dir: string; tag?: string } {
  const i = target.lastIndexOf(':');
  if (i > 0 && !/[/\\]/.test(target.slice(i + 1))) {
    const tag = target.slice(i + 1);
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) throw usage(`couldn't use tag ${JSON.stringify(tag)}: want [A-Za-z0-9_][A-Za-z0-9._-]{0,127}`);
    return { dir: target.slice(0, i), tag };
  }
  return { dir: target };
}

function annotationsOf(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list) {
    const i = a.indexOf('=');
    if (i <= 0) throw usage(`couldn't use --annotation ${JSON.stringify(a)}: want key=value`);
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

export function registerPushCommand(program: Command, ctx: Ctx): void {
  program
    .command('push')
    .description('push files and directories as one OCI artifact (a collection) and print its digest reference')
    .argument('<target>', 'registry/repo[:tag], or with --oci-layout a directory[:tag]')
    .argument('<path...>', 'files (one layer each) and directories (one tar layer each)')
    .option('--oci-layout', 'the target is an OCI image layout directory (created if missing), not a registry')
    .option('--artifact-type <type>', 'the manifest artifactType', 'application/vnd.scitt-ledger.collection.v1')
    .option('--media-type <type>', 'media type of the file layers (default: by extension, else application/octet-stream)')
    .option('--annotation <key=value>', 'a manifest annotation (repeatable)', collect, [])
    .option('--plain-http', 'use http for the registry (loopback hosts use http anyway)')
    .option('--docker-config <file>', 'docker config.json with registry credentials (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)')
    .addHelpText('after', '\nExample:\n  ref=$(scitt push registry.example/acme/app:1.0 dist/ sbom.spdx.json)\n  scitt sign … --subject "$ref"\n')
    .action(async (target: string, paths: string[], o: { ociLayout?: boolean; artifactType: string; mediaType?: string; annotation: string[]; plainHttp?: boolean; dockerConfig?: string }, cmd: Command) => {
      const c = ctx(cmd);
      for (const p of paths) if (!existsSync(p)) throw usage(`couldn't push ${p}: no such file or directory`);
      const artifact = await buildCollectionArtifact(paths, {
        artifactType: o.artifactType,
        ...(o.mediaType ? { mediaType: o.mediaType } : {}),
        annotations: annotationsOf(o.annotation),
      });
      let reference: string;
      let tag: string | undefined;
      if (o.ociLayout) {
        const t = layoutTarget(target);
        tag = t.tag;
        c.out.progress(`writing ${artifact.blobs.length - 1} layer(s) to OCI layout ${t.dir}`);
        await pushCollection(artifact, { layout: await OciLayoutStore.open(t.dir), ...(tag ? { tag } : {}) });
        reference = `${t.dir}@${artifact.digest}`;
      } else {
        let ref;
        try {
          ref = parseReference(target);
        } catch (e) {
          throw usage(`couldn't use target ${JSON.stringify(target)}: want registry/repo[:tag] (${(e as Error).message})`, e);
        }
        if (ref.digest) throw usage(`couldn't push to ${target}: name a repository (and optionally a tag); the digest is the result`);
        tag = ref.tag;
        let creds: CredentialSource | undefined;
        const client = registryClient(ref.registry, (creds ??= dockerConfigCredentials(o.dockerConfig)), Boolean(o.plainHttp));
        c.out.progress(`pushing ${artifact.blobs.length - 1} layer(s) to ${ref.registry}/${ref.repository}`);
        await pushCollection(artifact, { client, repository: ref.repository, ...(tag ? { tag } : {}) });
        reference = `${ref.registry}/${ref.repository}@${artifact.digest}`;
      }
      c.out.result({ reference, digest: artifact.digest, artifactType: artifact.artifactType, size: artifact.manifest.length, ...(tag ? { tag } : {}), layers: artifact.blobs.slice(1).map((b) => b.descriptor) }, () => reference);
    });
}
