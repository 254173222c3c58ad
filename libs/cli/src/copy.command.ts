/**
 * `scitt copy <src-ref> <dst-repo>`: copy a collection with its referrers (receipts,
 * revocations, signatures, SBOMs …) to another registry or repository, like `oras cp -r`.
 */
import type { Command } from 'commander';
import { copyWithReferrers, dockerConfigCredentials, parseReference, type CredentialSource } from '../../oci/src/index.js';
import { registryClient, resolveCollection } from './claim.sources.js';
import { collect, type CliContext } from './cli.context.js';
import { usage } from './cli.errors.js';
import { syncCollection, syncLines, type SyncReport } from './sync.command.js';

type Ctx = (cmd: Command) => CliContext;

export function registerCopyCommand(program: Command, ctx: Ctx): void {
  program
    .command('copy')
    .description('copy a collection with all its referrers (receipts, revocations …) to another repository')
    .argument('<src-ref>', 'source collection: registry/repo@sha256:… or registry/repo:tag')
    .argument('<dst-repo>', 'destination repository: registry/repo (optionally :tag to tag the copy)')
    .option('--plain-http', 'use http for registries (loopback hosts use http anyway)')
    .option('--docker-config <file>', 'docker config.json with registry credentials (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)')
    .option('--sync', 'then `scitt sync` the copy: fetch what the ledger knows now (claims, revocations, receipts, a fresh status statement) and push what is missing')
    .option('--ledger <url>', 'with --sync: ledger to fetch from (repeatable; default SCITT_LEDGER, else the trusted ledgers with a URL)', collect)
    .option('--trust <file>', 'with --sync: trusted ledger keys (repeatable; default the trust file)', collect)
    .action(async (srcRef: string, dstRef: string, o: { plainHttp?: boolean; dockerConfig?: string; sync?: boolean; ledger?: string[]; trust?: string[] }, cmd: Command) => {
      const c = ctx(cmd);
      let dst;
      try {
        dst = parseReference(dstRef);
      } catch (e) {
        throw usage(`couldn't use destination ${JSON.stringify(dstRef)}: want registry/repo[:tag] (${(e as Error).message})`, e);
      }
      if (dst.digest) throw usage(`couldn't use destination ${dstRef}: name a repository (and optionally a tag), not a digest`);
      let creds: CredentialSource | undefined;
      const client = (registry: string) => registryClient(registry, (creds ??= dockerConfigCredentials(o.dockerConfig)), Boolean(o.plainHttp));
      const src = await resolveCollection(srcRef, client);
      c.out.progress(`copying ${src.registry}/${src.repository}@${src.digest} with its referrers to ${dst.registry}/${dst.repository}`);
      const r = await copyWithReferrers({ client: src.client, repo: src.repository, digest: src.digest }, { client: client(dst.registry), repo: dst.repository, ...(dst.tag ? { tag: dst.tag } : {}) });
      const target = `${dst.registry}/${dst.repository}@${r.descriptor.digest}`;
      let synced: SyncReport | undefined;
      if (o.sync) {
        c.out.progress(`syncing ${target} from the ledger`);
        synced = await syncCollection(target, { ...(o.ledger ? { ledger: o.ledger } : {}), ...(o.trust ? { trust: o.trust } : {}), ...(o.plainHttp ? { plainHttp: true } : {}), ...(o.dockerConfig ? { dockerConfig: o.dockerConfig } : {}) }, c);
      }
      c.out.result({ source: `${src.registry}/${src.repository}@${src.digest}`, destination: target, ...(dst.tag ? { tag: dst.tag } : {}), manifests: r.manifests.length, referrers: r.referrers, blobsCopied: r.blobsCopied, ...(synced ? { sync: synced } : {}) }, () => [
        `copied ${src.registry}/${src.repository}@${src.digest} to ${target}: ${r.manifests.length} manifest(s), ${r.referrers.length} referrer(s), ${r.blobsCopied} blob(s) uploaded`,
        ...(synced ? syncLines(synced) : []),
      ]);
    });
}
