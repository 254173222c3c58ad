/**
 * `scitt sync <reference>`: the consumer's attach path. Fetches from the ledger(s) every claim and
 * revocation about the collection digest with its receipt, and a fresh signed status statement,
 * verifies them against the trusted ledger keys, and pushes what is missing into the consumer's
 * own registry (its own credentials) or OCI layout as referrers. The ledger never needs to reach
 * that registry. Artifacts are built exactly as the ledger's publisher builds them, so a referrer
 * copied from the vendor's registry and one synced from the ledger have one digest.
 */
import type { Command } from 'commander';
import { REVOCATION_CONTENT_TYPE } from '../../ledger/src/index.js';
import {
  ANNOTATION_ENTRY_ID,
  ARTIFACT_TYPE_SCITT_REVOCATION,
  OciLayoutStore,
  RegistryReferrerTarget,
  buildReceiptArtifact,
  buildStatusArtifact,
  dockerConfigCredentials,
  isDigest,
  parseReference,
  receiptAnnotations,
  type CredentialSource,
  type Descriptor,
  type ReferrerArtifact,
} from '../../oci/src/index.js';
import { splitTransparentStatement, toTransparentStatement, verifyStatusStatement, verifyTransparentStatement } from '../../receipt/src/index.js';
import { registryClient, resolveCollection } from './claim.sources.js';
import { collect, ledgerToken, ledgerUrl, type CliContext } from './cli.context.js';
import { badInput, usage } from './cli.errors.js';
import { LedgerClient } from './ledger.client.js';
import { trustFor } from './verify.commands.js';
import type { TrustStore } from './trust.store.js';

type Ctx = (cmd: Command) => CliContext;

export interface SyncOptions {
  ledger?: string[];
  ociLayout?: string;
  trust?: string[];
  /** bearer credential for ledgers whose reads need one (else SCITT_TOKEN) */
  token?: string;
  status?: boolean;
  plainHttp?: boolean;
  dockerConfig?: string;
}

/** Where synced referrers go. */
interface SyncTarget {
  describe: string;
  subject: Descriptor;
  list(): Promise<Descriptor[]>;
  push(a: ReferrerArtifact): Promise<void>;
}

interface ClaimItem {
  index: number;
  entryId: string;
  iss: string;
  contentType: string;
  registeredAt: string;
}

/** What one ledger contributed. */
export interface LedgerSync {
  ledger: string;
  claims: number;
  revocations: number;
  pushed: string[];
  present: number;
  status?: { treeSize: number; signedAt: string; digest: string; revoked: number; superseded: number };
}

export interface SyncReport {
  subject: string;
  target: string;
  ledgers: LedgerSync[];
}

async function target(ref: string, o: SyncOptions): Promise<{ t: SyncTarget; digest: string }> {
  if (o.ociLayout) {
    const digest = isDigest(ref) ? ref : ref.includes('@') ? parseReference(ref).digest : undefined;
    if (!digest || !isDigest(digest)) throw usage(`couldn't use ${JSON.stringify(ref)} with --oci-layout: give the collection digest sha256:<64 hex>`);
    const store = await OciLayoutStore.open(o.ociLayout);
    const d = await store.resolve(digest);
    if (!d) throw badInput(`couldn't sync ${digest}: the OCI layout ${o.ociLayout} does not hold it (copy the collection there first)`);
    return {
      digest,
      t: {
        describe: `oci-layout ${o.ociLayout}`,
        subject: { mediaType: d.mediaType, digest: d.digest, size: d.size },
        list: () => store.listReferrers(digest),
        push: async (a) => void (await store.pushReferrer(a)),
      },
    };
  }
  let creds: CredentialSource | undefined;
  const client = (registry: string) => registryClient(registry, (creds ??= dockerConfigCredentials(o.dockerConfig)), Boolean(o.plainHttp));
  const col = await resolveCollection(ref, client);
  const d = await col.client.headManifest(col.repository, col.digest);
  const referrers = RegistryReferrerTarget.forClient(col.client);
  const repo = { registry: col.client.registry, repository: col.repository };
  if (!d) throw badInput(`couldn't sync ${ref}: ${col.registry}/${col.repository} has no manifest ${col.digest}`);
  return {
    digest: col.digest,
    t: {
      describe: `${col.registry}/${col.repository}`,
      subject: { mediaType: d.mediaType, digest: d.digest, size: d.size },
      list: () => referrers.listReferrers(repo, col.digest),
      push: async (a) => void (await referrers.pushReferrer(repo, a)),
    },
  };
}

/** The ledgers to ask: --ledger, else SCITT_LEDGER, else every trusted ledger with a URL. */
function ledgersOf(o: SyncOptions, c: CliContext, trust: TrustStore): string[] {
  if (o.ledger?.length) return o.ledger.map((l) => ledgerUrl(l, c.env));
  if (c.env.SCITT_LEDGER) return [ledgerUrl(undefined, c.env)];
  const urls = trust.ledgers.map((l) => l.url).filter((u): u is string => Boolean(u));
  if (urls.length === 0) throw usage("couldn't sync: give --ledger <url> (or set SCITT_LEDGER); the trust file names no ledger URL");
  return [...new Set(urls)];
}

async function allClaims(client: LedgerClient, digest: string): Promise<ClaimItem[]> {
  const out: ClaimItem[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: ClaimItem[]; next: string | null } = await client.json(`claims?subject=${encodeURIComponent(digest)}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, `list the claims about ${digest}`);
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

/**
 * Syncs claims, revocations, receipts and a status statement about `ref`'s digest into the target.
 * @example await syncCollection('golden.example/prod/app@sha256:…', { ledger: ['https://ledger.example'] }, ctx)
 */
export async function syncCollection(ref: string, o: SyncOptions, c: CliContext): Promise<SyncReport> {
  const trust = trustFor(o.trust, c.env);
  const { t, digest } = await target(ref, o);
  const keys = (kid: Uint8Array) => trust.keyFor(kid)?.key;
  const existing = await t.list();
  const have = new Set(existing.map((d) => d.digest));
  const haveEntries = new Set(existing.map((d) => d.annotations?.[ANNOTATION_ENTRY_ID]).filter((x): x is string => Boolean(x)));
  const report: SyncReport = { subject: digest, target: t.describe, ledgers: [] };
  for (const url of ledgersOf(o, c, trust)) {
    const token = ledgerToken(o.token, c.env, url);
    const client = new LedgerClient(url, token ? { token } : {});
    const items = await allClaims(client, digest);
    const r: LedgerSync = { ledger: url, claims: 0, revocations: 0, pushed: [], present: 0 };
    for (const it of items.sort((a, b) => a.index - b.index)) {
      const revocation = it.contentType === REVOCATION_CONTENT_TYPE;
      if (revocation) r.revocations++;
      else r.claims++;
      if (haveEntries.has(it.entryId)) {
        r.present++;
        continue;
      }
      c.out.progress(`fetching entry ${it.entryId} from ${url}`);
      const fetched = await client.transparentStatement(it.entryId);
      const { entry, receipts } = splitTransparentStatement(fetched);
      const receipt = receipts[0];
      if (!receipt) throw badInput(`couldn't sync entry ${it.entryId}: the ledger's statement carries no receipt`);
      const ts = toTransparentStatement(entry, [receipt]);
      const v = await verifyTransparentStatement(ts, { serviceKeys: keys }); // never push what the consumer's trust rejects
      if (v.entryId !== it.entryId) throw badInput(`couldn't sync entry ${it.entryId}: the ledger returned entry ${v.entryId}`);
      const a = buildReceiptArtifact({
        subject: t.subject,
        transparentStatement: ts,
        receipt,
        ...(revocation ? { artifactType: ARTIFACT_TYPE_SCITT_REVOCATION } : {}),
        annotations: receiptAnnotations({ created: it.registeredAt, service: v.receipts[0]!.iss, issuer: it.iss, entryId: it.entryId, ...(it.contentType !== '' ? { contentType: it.contentType } : {}), logIndex: it.index }),
      });
      if (have.has(a.digest)) {
        r.present++;
        continue;
      }
      await t.push(a);
      have.add(a.digest);
      haveEntries.add(it.entryId);
      r.pushed.push(it.entryId);
    }
    if (o.status !== false) {
      const what = `fetch the status statement of ${digest}`;
      const res = await client.request(`subjects/${digest}/status`, what, { headers: { accept: 'application/cose' } });
      if (res.status !== 200) await client.fail(res, what);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const s = await verifyStatusStatement(bytes, keys, { expectedSubject: digest });
      const signedAt = new Date(s.iat * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const a = buildStatusArtifact({ subject: t.subject, status: bytes, created: signedAt, service: s.iss, treeSize: s.treeSize });
      if (!have.has(a.digest)) await t.push(a);
      have.add(a.digest);
      r.status = { treeSize: s.treeSize, signedAt, digest: a.digest, revoked: s.entries.filter((e) => e.state === 'revoked').length, superseded: s.entries.filter((e) => e.state === 'superseded').length };
    }
    report.ledgers.push(r);
  }
  return report;
}

/** Text lines of a sync report. */
export function syncLines(r: SyncReport): string[] {
  return r.ledgers.flatMap((l) => [
    `synced ${r.subject} from ${l.ledger} into ${r.target}: ${l.claims} claim(s), ${l.revocations} revocation(s); ${l.pushed.length} pushed, ${l.present} already there`,
    ...(l.status ? [`status statement as of tree size ${l.status.treeSize}, signed ${l.status.signedAt}: ${l.status.revoked} revoked, ${l.status.superseded} superseded (${l.status.digest})`] : []),
  ]);
}

export function registerSyncCommand(program: Command, ctx: Ctx): void {
  program
    .command('sync')
    .description("fetch a collection's claims, revocations, receipts and a fresh status statement from the ledger and push what is missing into your registry or OCI layout")
    .argument('<reference>', 'your copy of the collection: registry/repo@sha256:… (or :tag), or with --oci-layout its sha256:… digest')
    .option('--ledger <url>', 'ledger to fetch from (repeatable; default SCITT_LEDGER, else the trusted ledgers with a URL)', collect)
    .option('--oci-layout <dir>', 'push into this OCI image layout instead of a registry')
    .option('--trust <file>', 'trusted ledger keys (repeatable; default the trust file): what the ledger sends is verified before it is pushed', collect)
    .option('--token <token>', 'bearer credential for a ledger whose reads need one (or SCITT_TOKEN)')
    .option('--no-status', "don't fetch a status statement")
    .option('--plain-http', 'use http for registries (loopback hosts use http anyway)')
    .option('--docker-config <file>', 'docker config.json with your registry credentials (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)')
    .action(async (ref: string, o: SyncOptions, cmd: Command) => {
      const c = ctx(cmd);
      const r = await syncCollection(ref, o, c);
      c.out.result(r, () => syncLines(r));
    });
}
