/**
 * Where claims come from: files, an OCI registry (the referrers of a collection), or an OCI image
 * layout directory. Each referrer artifact (receipt or revocation) becomes one {@link ClaimInput};
 * an artifact that can't be read (missing blob, digest mismatch) becomes a failed input, never a
 * crash, so one bad referrer is reported next to the good ones.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ARTIFACT_TYPE_SCITT_STATUS,
  ARTIFACT_TYPE_SCITT_REVOCATION,
  MEDIA_TYPE_SCITT_RECEIPT,
  MEDIA_TYPE_SCITT_STATEMENT,
  OciLayoutStore,
  RegistryClient,
  RegistryReferrerTarget,
  isDigest,
  parseReference,
  type CredentialSource,
  type Descriptor,
} from '../../oci/src/index.js';
import type { ClaimInput } from './claim.verifier.js';
import type { StatusInput } from './consumer.verdict.js';
import { badInput, usage } from './cli.errors.js';
import { readCoseFile } from './input.sniff.js';

/** The artifact types `scitt verify` reads. */
export const CLAIM_ARTIFACT_TYPES: readonly string[] = [MEDIA_TYPE_SCITT_RECEIPT, ARTIFACT_TYPE_SCITT_REVOCATION];

/** What a source of referrers must offer (a registry repository or an OCI layout). */
export interface ReferrerSource {
  describe: string;
  listReferrers(subject: string): Promise<Descriptor[]>;
  getManifest(digest: string): Promise<Uint8Array>;
  getBlob(digest: string): Promise<Uint8Array>;
}

/** Claims from files: each a transparent statement, or one statement plus `--receipt`. */
export function claimsFromFiles(files: readonly string[], receiptFile?: string): ClaimInput[] {
  if (receiptFile && files.length !== 1) throw usage("couldn't use --receipt: give exactly one statement file with it");
  return files.map((f) => ({ source: f, statement: readCoseFile(f, 'statement'), ...(receiptFile ? { receipt: readCoseFile(receiptFile, 'receipt', 'a COSE receipt') } : {}) }));
}

const msg = (e: unknown): string => (e as Error)?.message ?? String(e);

/** Reads every status statement artifact among the referrers of `subject` (one input per artifact; unreadable ones carry `error`). */
export async function statusFromReferrers(src: ReferrerSource, subject: string): Promise<StatusInput[]> {
  const out: StatusInput[] = [];
  for (const d of (await src.listReferrers(subject)).filter((x) => x.artifactType === ARTIFACT_TYPE_SCITT_STATUS)) {
    const source = `${src.describe} referrer ${d.digest}`;
    try {
      const manifest = JSON.parse(new TextDecoder().decode(await src.getManifest(d.digest))) as { layers?: Descriptor[]; subject?: Descriptor };
      if (manifest.subject?.digest !== subject) {
        out.push({ source, error: `the referrer's manifest names subject ${manifest.subject?.digest ?? 'none'}, not ${subject}` });
        continue;
      }
      const layer = manifest.layers?.find((l) => l.mediaType === ARTIFACT_TYPE_SCITT_STATUS);
      if (!layer) {
        out.push({ source, error: `the artifact has no ${ARTIFACT_TYPE_SCITT_STATUS} layer` });
        continue;
      }
      out.push({ source, bytes: await src.getBlob(layer.digest) });
    } catch (e) {
      out.push({ source, error: `couldn't read the status artifact: ${msg(e)}` });
    }
  }
  return out;
}

/** Reads every claim artifact among the referrers of `subject`. */
export async function claimsFromReferrers(src: ReferrerSource, subject: string, progress: (s: string) => void = () => {}): Promise<{ claims: ClaimInput[]; ignored: number; statuses: number }> {
  const all = await src.listReferrers(subject);
  const wanted = all.filter((d) => d.artifactType !== undefined && CLAIM_ARTIFACT_TYPES.includes(d.artifactType));
  progress(`${src.describe}: ${all.length} referrer(s), ${wanted.length} SCITT artifact(s)`);
  const claims: ClaimInput[] = [];
  for (const d of wanted) {
    const source = `${src.describe} referrer ${d.digest}`;
    const base = { source, subjectDigest: subject, ...(d.artifactType ? { artifactType: d.artifactType } : {}) };
    try {
      const manifest = JSON.parse(new TextDecoder().decode(await src.getManifest(d.digest))) as { layers?: Descriptor[]; annotations?: Record<string, string>; subject?: Descriptor; artifactType?: string };
      if (manifest.subject?.digest !== subject) {
        claims.push({ ...base, error: `the referrer's manifest names subject ${manifest.subject?.digest ?? 'none'}, not ${subject}` });
        continue;
      }
      const layer = (mt: string) => manifest.layers?.find((l) => l.mediaType === mt);
      const st = layer(MEDIA_TYPE_SCITT_STATEMENT);
      const rc = layer(MEDIA_TYPE_SCITT_RECEIPT);
      if (!st) {
        claims.push({ ...base, error: `the artifact has no ${MEDIA_TYPE_SCITT_STATEMENT} layer` });
        continue;
      }
      progress(`fetching ${d.digest}`);
      const statement = await src.getBlob(st.digest);
      const receipt = rc ? await src.getBlob(rc.digest) : undefined;
      claims.push({ ...base, statement, ...(receipt ? { receipt, receiptMustMatch: true } : {}), ...(manifest.annotations ? { annotations: manifest.annotations } : {}) });
    } catch (e) {
      const altered = (e as { code?: string }).code === 'ERR_OCI_DIGEST_MISMATCH';
      claims.push({ ...base, error: altered ? `couldn't read the artifact: a blob's content does not match its digest (it was altered where it is stored): ${msg(e)}` : `couldn't read the artifact: ${msg(e)}` });
    }
  }
  return { claims, ignored: all.length - wanted.length, statuses: all.filter((d) => d.artifactType === ARTIFACT_TYPE_SCITT_STATUS).length };
}

/** A registry repository as a {@link ReferrerSource}. */
export function registrySource(client: RegistryClient, repository: string): ReferrerSource {
  const target = RegistryReferrerTarget.forClient(client);
  return {
    describe: `${client.registry}/${repository}`,
    listReferrers: (subject) => target.listReferrers({ registry: client.registry, repository }, subject),
    getManifest: async (digest) => (await client.getManifest(repository, digest)).bytes,
    getBlob: (digest) => client.getBlob(repository, digest),
  };
}

/** An OCI layout directory as a {@link ReferrerSource} (must exist: never created by verify). */
export async function layoutSource(dir: string): Promise<ReferrerSource> {
  if (!existsSync(join(dir, 'oci-layout')) || !existsSync(join(dir, 'index.json'))) throw badInput(`couldn't open OCI layout ${dir}: no oci-layout / index.json there`);
  const store = await OciLayoutStore.open(dir);
  return {
    describe: `oci-layout ${dir}`,
    listReferrers: (subject) => store.listReferrers(subject),
    getManifest: async (digest) => (await store.getManifest(digest)).bytes,
    getBlob: (digest) => store.getBlob(digest),
  };
}

/** A registry client for `registry` with docker config credentials. */
export function registryClient(registry: string, credentials: CredentialSource | undefined, plainHttp: boolean): RegistryClient {
  return new RegistryClient({ registry, ...(credentials ? { credentials } : {}), ...(plainHttp ? { plainHttp: true } : {}), userAgent: 'scitt-cli/0.1' });
}

/** Resolves `registry/repo(:tag|@digest)` to the collection digest (a tag is looked up). */
export async function resolveCollection(ref: string, client: (registry: string) => RegistryClient): Promise<{ registry: string; repository: string; digest: string; client: RegistryClient }> {
  const r = parseReference(ref);
  const c = client(r.registry);
  let digest = r.digest;
  if (!digest) {
    const d = await c.headManifest(r.repository, r.tag ?? 'latest');
    if (!d) throw badInput(`couldn't find ${ref}: no such manifest in ${r.registry}/${r.repository}`);
    digest = d.digest;
  }
  return { registry: r.registry, repository: r.repository, digest, client: c };
}

/** True when `s` looks like a subject digest for `--oci-layout` (`sha256:…`). */
export const looksLikeDigest = (s: string): boolean => isDigest(s);
