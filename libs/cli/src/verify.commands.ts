/**
 * `scitt verify`: offline verification of claims from files, an OCI registry or an OCI layout,
 * against trusted ledger keys (trust file) and issuer trust, with an optional consumer policy
 * (`--require`). Exit 0 when everything verified (and the policy holds), 1 otherwise.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { dockerConfigCredentials, parseReference, type CredentialSource } from '../../oci/src/index.js';
import { applyRevocations, verifyClaim, type ClaimInput, type ClaimReport } from './claim.verifier.js';
import { claimsFromFiles, claimsFromReferrers, layoutSource, registryClient, registrySource, resolveCollection } from './claim.sources.js';
import { collect, type CliContext } from './cli.context.js';
import { CliError, usage } from './cli.errors.js';
import { evaluateRequirements, parseRequirement, type RequirementResult } from './consumer.policy.js';
import { IssuerTrust } from './issuer.trust.js';
import { defaultTrustFile, loadTrust, type TrustStore } from './trust.store.js';

type Ctx = (cmd: Command) => CliContext;

interface VerifyOptions {
  receipt?: string;
  ociLayout?: string;
  trust?: string[];
  issuerKey?: string[];
  trustAnchor?: string[];
  require?: string[];
  plainHttp?: boolean;
  dockerConfig?: string;
}

/** The whole verdict of `scitt verify` (the `-o json` document). */
export interface VerifyReport {
  ok: boolean;
  subjects: string[];
  claims: ClaimReport[];
  requirements: RequirementResult[];
  ignoredReferrers: number;
  /** One line saying why verification failed (absent when ok). */
  failure?: string;
}

/** The trust store for verify: `--trust` files, else the default trust file. */
export function trustFor(files: readonly string[] | undefined, env: CliContext['env']): TrustStore {
  if (files && files.length > 0) return loadTrust(files);
  const def = defaultTrustFile(env);
  if (!existsSync(def)) throw usage(`couldn't verify: no trusted ledger keys (run \`scitt trust fetch <ledger-url>\` once, or give --trust <file>); looked for ${def}`);
  return loadTrust([def]);
}

/** Decides the verdict from the claim reports and requirement results. */
export function verdict(claims: readonly ClaimReport[], reqs: readonly RequirementResult[], hasRequirements: boolean): string | undefined {
  const bad = claims.filter((c) => !c.ok);
  if (bad.length > 0) return `${bad.length} of ${claims.length} artifact(s) failed verification: ${bad[0]!.source}: ${bad[0]!.problems[0]}`;
  const unmet = reqs.filter((r) => !r.met);
  if (unmet.length > 0) return `policy not met: --require ${JSON.stringify(unmet[0]!.requirement)}: ${unmet[0]!.reason}`;
  if (hasRequirements) return undefined;
  const live = claims.filter((c) => c.kind === 'claim' && !c.revokedBy?.length);
  if (claims.filter((c) => c.kind === 'claim').length === 0) return 'no claims were found';
  if (live.length === 0) return 'every claim found is revoked';
  return undefined;
}

function claimLines(c: ClaimReport): string[] {
  const id = c.entryId ? c.entryId.slice(0, 16) : '?';
  const head =
    c.kind === 'revocation'
      ? `${c.ok ? 'ok  ' : 'FAIL'} revocation ${id} by ${c.iss ?? '?'}: revokes ${(c.revokes ?? []).map((x) => x.slice(0, 16)).join(', ')} (${c.reason ?? ''})`
      : `${c.ok ? (c.revokedBy?.length ? 'REVOKED' : 'ok  ') : 'FAIL'} claim ${id} ${c.contentType ?? '?'}${c.hashEnvelope ? ' (hash envelope)' : ''} by ${c.iss ?? '?'}`;
  if (!c.entryId && !c.ok) return [`FAIL artifact: ${c.problems[0] ?? 'unreadable'}`, `     source: ${c.source}`];
  const lines = [head];
  lines.push(`     issuer signature: ${c.issuer.verified ? `verified (${c.issuer.how})` : `not verified: ${c.issuer.reason ?? 'not checked'}`}`);
  for (const r of c.receipts) lines.push(`     registered in ${r.ledger}${r.trustedAs ? ` [${r.trustedAs}]` : ''} log ${r.logId} at index ${r.index} (tree size ${r.treeSize}), ${r.registeredAt}`);
  for (const r of c.revokedBy ?? []) lines.push(`     revoked by entry ${r.entryId.slice(0, 16)} at index ${r.index ?? '?'}: ${r.reason}`);
  for (const p of c.problems) lines.push(`     problem: ${p}`);
  lines.push(`     source: ${c.source}`);
  return lines;
}

export function registerVerifyCommands(program: Command, ctx: Ctx): void {
  program
    .command('verify')
    .description('verify claims offline: transparent statement files, a collection in an OCI registry (its referrers), or an OCI layout')
    .argument('<source...>', 'statement files, or a collection reference registry/repo@sha256:… (or :tag), or with --oci-layout a sha256:… digest')
    .option('--receipt <file>', 'the receipt of a single statement file (when the statement carries none)')
    .option('--oci-layout <dir>', 'read the referrers from this OCI image layout directory')
    .option('--trust <file>', 'trusted ledger keys: a trust file or COSE Key Set (repeatable; default the trust file)', collect)
    .option('--issuer-key <[iss=]file>', 'trusted issuer key or certificate, optionally bound to one issuer (repeatable)', collect)
    .option('--trust-anchor <pem>', 'trust anchor certificates for x5chain issuers (repeatable)', collect)
    .option('--require <policy>', 'consumer policy, e.g. "content-type=application/spdx+json,issuer=https://vendor.example,ledger=https://ledger.example" (repeatable; all must hold)', collect)
    .option('--plain-http', 'use http for registries (loopback hosts use http anyway)')
    .option('--docker-config <file>', 'docker config.json with registry credentials (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)')
    .action(async (sources: string[], o: VerifyOptions, cmd: Command) => {
      const c = ctx(cmd);
      const requirements = (o.require ?? []).map(parseRequirement);
      const ledgers = trustFor(o.trust, c.env);
      const issuers = IssuerTrust.load(o.issuerKey, o.trustAnchor);
      const inputs: ClaimInput[] = [];
      const subjects: string[] = [];
      let ignored = 0;
      let creds: CredentialSource | undefined;
      const client = (registry: string) => registryClient(registry, (creds ??= dockerConfigCredentials(o.dockerConfig)), Boolean(o.plainHttp));
      if (o.ociLayout) {
        const src = await layoutSource(o.ociLayout);
        for (const s of sources) {
          const digest = s.includes('/') ? parseReference(s).digest : s;
          if (!digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) throw usage(`couldn't use ${JSON.stringify(s)} with --oci-layout: give the collection digest sha256:<64 hex>`);
          subjects.push(digest);
          const r = await claimsFromReferrers(src, digest, (m) => c.out.progress(m));
          inputs.push(...r.claims);
          ignored += r.ignored;
        }
      } else {
        const files = sources.filter((s) => existsSync(s));
        const refs = sources.filter((s) => !existsSync(s));
        if (files.length) inputs.push(...claimsFromFiles(files, o.receipt));
        else if (o.receipt) throw usage("couldn't use --receipt: it goes with a statement file");
        for (const ref of refs) {
          try {
            parseReference(ref);
          } catch {
            throw usage(`couldn't verify ${JSON.stringify(ref)}: no such file, and not an OCI reference (registry/repo@sha256:…)`);
          }
          const col = await resolveCollection(ref, client);
          subjects.push(`${col.registry}/${col.repository}@${col.digest}`);
          const r = await claimsFromReferrers(registrySource(col.client, col.repository), col.digest, (m) => c.out.progress(m));
          inputs.push(...r.claims);
          ignored += r.ignored;
        }
      }
      const claims: ClaimReport[] = [];
      for (const input of inputs) {
        c.out.info(`verifying ${input.source}`);
        claims.push(await verifyClaim(input, { ledgers, issuers, now: c.now }));
      }
      applyRevocations(claims);
      const results = evaluateRequirements(requirements, claims, ledgers);
      const failure = verdict(claims, results, requirements.length > 0);
      const report: VerifyReport = { ok: failure === undefined, subjects, claims, requirements: results, ignoredReferrers: ignored, ...(failure ? { failure } : {}) };
      c.out.result(report, () => [
        ...subjects.map((s) => `collection ${s}`),
        ...claims.flatMap(claimLines),
        ...results.map((r) => `${r.met ? 'ok  ' : 'FAIL'} require ${r.requirement}${r.met ? `: met by ${r.matchedBy.map((x) => x.slice(0, 16)).join(', ')}` : `: ${r.reason}`}`),
        failure ? `verification FAILED` : `verified: ${claims.filter((x) => x.kind === 'claim').length} claim(s), ${claims.filter((x) => x.kind === 'revocation').length} revocation(s)${requirements.length ? ', policy met' : ''}`,
      ]);
      if (failure) throw new CliError(results.some((r) => !r.met) && claims.every((x) => x.ok) ? 'ERR_CLI_POLICY' : 'ERR_CLI_VERIFY', `verification failed: ${failure}`);
    });
}
