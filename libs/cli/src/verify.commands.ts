/**
 * `scitt verify`: offline verification of claims from files, an OCI registry or an OCI layout,
 * against trusted ledger keys (trust file) and issuer trust, with an optional consumer policy
 * (`--require`). Exit 0 when everything verified (and the policy holds), 1 otherwise.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { dockerConfigCredentials, isDigest, parseReference, type CredentialSource } from '../../oci/src/index.js';
import { parseClaimContent } from '../../content/src/index.js';
import { subjectDigestOf } from '../../ledger/src/index.js';
import { applyExplicitSupersession, applyRevocations, verifyClaim, type ClaimInput, type ClaimReport } from './claim.verifier.js';
import { claimsFromFiles, claimsFromReferrers, layoutSource, registryClient, registrySource, resolveCollection, statusFromReferrers } from './claim.sources.js';
import { applyStatuses, evaluatePolicy, verifyStatuses, type KindVerdict, type StatusInput, type StatusReport } from './consumer.verdict.js';
import { readInput } from './key.files.js';
import { loadConsumerPolicy, parseDuration, type ConsumerPolicy } from './policy.file.js';
import { collect, type CliContext } from './cli.context.js';
import { CliError, usage } from './cli.errors.js';
import { evaluateRequirements, parseRequirement, type RequirementResult } from './consumer.policy.js';
import { IssuerTrust } from './issuer.trust.js';
import { defaultTrustFile, loadTrust, type TrustStore } from './trust.store.js';
import { evaluateConsumerRules, type ConsumerRuleResult } from './consumer.rules.js';
import { describeDomain, domainsFailure, mergeByEntryId, searchDomains, type DomainReport } from './search.domains.js';

type Ctx = (cmd: Command) => CliContext;

interface VerifyOptions {
  receipt?: string;
  ociLayout?: string;
  trust?: string[];
  issuerKey?: string[];
  trustAnchor?: string[];
  require?: string[];
  policy?: string;
  status?: string[];
  maxAge?: string;
  allowUnverifiedIssuers?: boolean;
  plainHttp?: boolean;
  dockerConfig?: string;
}

/** The whole verdict of `scitt verify` (the `-o json` document). */
export interface VerifyReport {
  ok: boolean;
  subjects: string[];
  claims: ClaimReport[];
  requirements: RequirementResult[];
  /** per required kind of the policy file: the deciding claim and why the others lost */
  policy?: { source: string; kinds: KindVerdict[] };
  /** status statements found (referrers, --status files) and their verdicts */
  statuses: StatusReport[];
  /** the freshness rule and whether each subject meets it */
  freshness?: { maxAgeSeconds: number; subjects: { subject: string; fresh: boolean; newestAgeSeconds?: number }[] };
  /** issuer signatures were allowed to stay unverified (--allow-unverified-issuers) */
  unverifiedIssuersAllowed?: boolean;
  ignoredReferrers: number;
  /** with search domains (`scitt verify sha256:…`): what each domain gave, in policy order */
  domains?: DomainReport[];
  /** the policy's CEL rules on every live claim they apply to */
  rules?: ConsumerRuleResult[];
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

/** What the consumer side adds to the verdict. */
export interface ConsumerChecks {
  statuses?: readonly StatusReport[];
  kinds?: readonly KindVerdict[];
  policySource?: string;
  stale?: { subject: string; hint: string; newestAgeSeconds?: number; maxAge: string };
  allowUnverifiedIssuers?: boolean;
  issuerTrustKey?: string;
  /** a required search domain could not be reached */
  domains?: string;
  rules?: readonly ConsumerRuleResult[];
}

/** Decides the verdict from the claim reports and requirement results. */
export function verdict(claims: readonly ClaimReport[], reqs: readonly RequirementResult[], hasRequirements: boolean, x: ConsumerChecks = {}): string | undefined {
  if (x.domains) return x.domains;
  const bad = claims.filter((c) => !c.ok);
  if (bad.length > 0) return `${bad.length} of ${claims.length} artifact(s) failed verification: ${bad[0]!.source}: ${bad[0]!.problems[0]}`;
  const badStatus = (x.statuses ?? []).filter((s) => !s.ok);
  if (badStatus.length > 0) return `status statement ${badStatus[0]!.source}: ${badStatus[0]!.problems[0]}`;
  if (claims.length > 0 && !x.allowUnverifiedIssuers && !claims.some((c) => c.issuer.verified)) {
    return `no claim's issuer signature was verified against configured issuer trust: give ${x.issuerTrustKey ?? '--issuer-key / --trust-anchor'}, or accept unverified issuers explicitly with --allow-unverified-issuers`;
  }
  if (x.stale) {
    const age = x.stale.newestAgeSeconds === undefined ? 'there is none' : `the newest is ${formatAge(x.stale.newestAgeSeconds)} old`;
    return `no status statement newer than ${x.stale.maxAge} for ${x.stale.subject} (${age}): fetch a fresh one with \`${x.stale.hint}\``;
  }
  const unmetKind = (x.kinds ?? []).find((k) => !k.met);
  if (unmetKind) return `policy not met: ${x.policySource ?? 'policy'} require ${unmetKind.requirement}: ${unmetKind.reason}`;
  const broken = (x.rules ?? []).find((r) => !r.ok);
  if (broken) return `policy not met: ${x.policySource ?? 'policy'} ${broken.reason} (claim ${broken.entryId.slice(0, 16)})`;
  const unmet = reqs.filter((r) => !r.met);
  if (unmet.length > 0) return `policy not met: --require ${JSON.stringify(unmet[0]!.requirement)}: ${unmet[0]!.reason}`;
  if (hasRequirements || (x.kinds?.length ?? 0) > 0 || (x.rules?.length ?? 0) > 0) return undefined;
  const live = claims.filter((c) => c.kind === 'claim' && !c.revokedBy?.length);
  if (claims.filter((c) => c.kind === 'claim').length === 0) return 'no claims were found';
  if (live.length === 0) return 'every claim found is revoked';
  return undefined;
}

/** `90s`, `5m`, `3h`, `2d`. */
export function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

function statusLines(s: StatusReport): string[] {
  if (!s.ok) return [`FAIL status statement: ${s.problems[0] ?? 'unreadable'}`, `     source: ${s.source}`];
  return [`ok   status of ${s.subject} from ${s.ledger} as of tree size ${s.treeSize}, signed ${s.signedAt} (${formatAge(s.ageSeconds!)} ago): ${s.revoked} revoked, ${s.superseded} superseded`, `     source: ${s.source}`];
}

function kindLines(k: KindVerdict): string[] {
  const lines = [`${k.met ? 'ok  ' : 'FAIL'} require ${k.requirement}: ${k.decidedBy ? `decided by ${k.decidedBy.slice(0, 16)} from ${k.iss}` : 'no deciding claim'}${k.met ? '' : ` — ${k.reason}`}`];
  for (const o of k.others) lines.push(`     lost: ${o.entryId.slice(0, 16)} from ${o.iss}: ${o.why}`);
  return lines;
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
  for (const r of c.revokedBy ?? []) lines.push(`     revoked by entry ${r.entryId.slice(0, 16)} at index ${r.index ?? '?'}${r.treeSize !== undefined ? ` (status at tree size ${r.treeSize})` : ''}: ${r.reason}`);
  for (const r of c.supersededBy ?? []) lines.push(`     superseded by entry ${r.entryId.slice(0, 16)} at index ${r.index ?? '?'}${r.treeSize !== undefined ? ` (status at tree size ${r.treeSize})` : ''}`);
  for (const p of c.problems) lines.push(`     problem: ${p}`);
  if (c.foundIn?.length) lines.push(`     found in: ${c.foundIn.join(', ')}`);
  lines.push(`     source: ${c.source}`);
  return lines;
}

function domainLine(d: DomainReport): string {
  if (d.reachable) return `ok   search domain ${d.domain}: ${d.claims} claim artifact(s), ${d.statuses} status statement(s)`;
  return `${d.required ? 'FAIL' : 'DOWN'} search domain ${d.domain}${d.required ? ' (required)' : ' (skipped)'}: ${d.error ?? 'unreachable'}`;
}

export function registerVerifyCommands(program: Command, ctx: Ctx): void {
  program
    .command('verify')
    .description('verify claims offline: transparent statement files, a collection in an OCI registry (its referrers), or an OCI layout')
    .argument('<source...>', "statement files, or a collection reference registry/repo@sha256:… (or :tag), or a bare sha256:… digest (looked up in --oci-layout, or in the policy's searchDomains)")
    .option('--receipt <file>', 'the receipt of a single statement file (when the statement carries none)')
    .option('--oci-layout <dir>', 'read the referrers from this OCI image layout directory')
    .option('--trust <file>', 'trusted ledger keys: a trust file or COSE Key Set (repeatable; default the trust file)', collect)
    .option('--issuer-key <[iss=]file>', 'trusted issuer key or certificate, optionally bound to one issuer (repeatable)', collect)
    .option('--trust-anchor <pem>', 'trust anchor certificates for x5chain issuers (repeatable)', collect)
    .option('--require <policy>', 'consumer policy, e.g. "content-type=application/spdx+json,issuer=https://vendor.example,ledger=https://ledger.example" (repeatable; all must hold)', collect)
    .option('--policy <file>', 'consumer policy file (YAML/JSON, docs/policy.md#consumer-policy): trusted issuers, precedence, required kinds, freshness')
    .option('--status <file>', 'a status statement file (besides those found as referrers; repeatable)', collect)
    .option('--max-age <duration>', 'freshness: require a status statement at most this old, e.g. 24h (fails closed; `scitt sync` fetches one)')
    .option('--allow-unverified-issuers', 'accept claims whose issuer signature is not verified against issuer trust (warns on every run)')
    .option('--plain-http', 'use http for registries (loopback hosts use http anyway)')
    .option('--docker-config <file>', 'docker config.json with registry credentials (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)')
    .action(async (sources: string[], o: VerifyOptions, cmd: Command) => {
      const c = ctx(cmd);
      const requirements = (o.require ?? []).map(parseRequirement);
      const policy: ConsumerPolicy | undefined = o.policy ? loadConsumerPolicy(o.policy) : undefined;
      const ledgers = trustFor([...(o.trust ?? []), ...(policy?.ledgers ?? [])], c.env);
      const issuers = IssuerTrust.load([...(o.issuerKey ?? []), ...(policy?.issuerKeys ?? [])], [...(o.trustAnchor ?? []), ...(policy?.trustAnchors ?? [])]);
      const allowUnverified = Boolean(o.allowUnverifiedIssuers || policy?.allowUnverifiedIssuers);
      const maxAge = o.maxAge !== undefined ? { s: parseDuration(o.maxAge, '--max-age'), text: o.maxAge } : policy?.maxAgeSeconds !== undefined ? { s: policy.maxAgeSeconds, text: policy.maxAgeText! } : undefined;
      const statusInputs = new Map<string, StatusInput[]>();
      const statusOf = (digest: string): StatusInput[] => statusInputs.get(digest) ?? (statusInputs.set(digest, []).get(digest)!);
      const hints = new Map<string, string>();
      const inputs: ClaimInput[] = [];
      const subjects: string[] = [];
      let ignored = 0;
      let domains: DomainReport[] | undefined;
      const domainOf = new Map<string, string>();
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
          ignored += r.ignored - r.statuses;
          statusOf(digest).push(...(await statusFromReferrers(src, digest)));
          hints.set(digest, `scitt sync ${digest} --oci-layout ${o.ociLayout}`);
        }
      } else {
        const files = sources.filter((s) => existsSync(s));
        const bare = sources.filter((s) => !existsSync(s) && isDigest(s));
        const refs = sources.filter((s) => !existsSync(s) && !isDigest(s));
        if (bare.length && !policy?.searchDomains.length) throw usage(`couldn't verify ${bare[0]}: a bare digest is looked up in search domains — give a --policy with searchDomains, --oci-layout <dir>, or registry/repo@${bare[0]}`);
        for (const digest of bare) {
          subjects.push(digest);
          const r = await searchDomains(policy!.searchDomains, digest, { client, progress: (m) => c.out.progress(m) });
          for (const d of r.domains) if (!d.reachable) c.out.warn(`search domain ${d.domain} could not be reached${d.required ? ' (required)' : ', skipped'}: ${d.error}`);
          (domains ??= []).push(...r.domains);
          for (const [k, v] of r.domainOf) domainOf.set(k, v);
          inputs.push(...r.claims);
          ignored += r.ignored;
          statusOf(digest).push(...r.statuses);
          hints.set(digest, `scitt sync <reference of ${digest}> (search domains: ${policy!.searchDomains.map(describeDomain).join(', ')})`);
        }
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
          const src = registrySource(col.client, col.repository);
          const r = await claimsFromReferrers(src, col.digest, (m) => c.out.progress(m));
          inputs.push(...r.claims);
          ignored += r.ignored - r.statuses;
          statusOf(col.digest).push(...(await statusFromReferrers(src, col.digest)));
          hints.set(col.digest, `scitt sync ${col.registry}/${col.repository}@${col.digest}`);
        }
      }
      const claims: ClaimReport[] = [];
      for (const input of inputs) {
        c.out.info(`verifying ${input.source}`);
        claims.push(await verifyClaim(input, { ledgers, issuers, now: c.now }));
      }
      applyRevocations(claims);
      applyExplicitSupersession(claims);
      // the collection digests verified: the subjects named, else those the claims are about
      const digests = new Set<string>(statusInputs.keys());
      for (const sj of subjects) {
        const d = subjectDigestOf(sj);
        if (d) digests.add(d);
      }
      if (digests.size === 0) for (const x of claims) if (x.sub && subjectDigestOf(x.sub)) digests.add(subjectDigestOf(x.sub)!);
      for (const f of o.status ?? []) {
        const bytes = readInput(f, 'status statement');
        for (const d of digests) statusOf(d).push({ source: f, bytes });
      }
      const statuses: StatusReport[] = [];
      const freshness: NonNullable<VerifyReport['freshness']>['subjects'] = [];
      let stale: ConsumerChecks['stale'];
      for (const digest of digests) {
        const v = await verifyStatuses(statusInputs.get(digest) ?? [], digest, ledgers, c.now());
        statuses.push(...v.reports);
        applyStatuses(claims, v.verified);
        if (maxAge) {
          const ages = v.reports.filter((r) => r.ok).map((r) => r.ageSeconds!);
          const newest = ages.length ? Math.min(...ages) : undefined;
          const fresh = newest !== undefined && newest <= maxAge.s;
          freshness.push({ subject: digest, fresh, ...(newest !== undefined ? { newestAgeSeconds: newest } : {}) });
          if (!fresh && !stale) stale = { subject: digest, hint: hints.get(digest) ?? `scitt sync <reference of ${digest}>`, maxAge: maxAge.text, ...(newest !== undefined ? { newestAgeSeconds: newest } : {}) };
        }
      }
      const rules = policy ? evaluateConsumerRules(policy.rules, inputs, claims, parseClaimContent) : [];
      const merged = domains ? mergeByEntryId(claims, domainOf) : claims;
      claims.splice(0, claims.length, ...merged);
      const results = evaluateRequirements(requirements, claims, ledgers);
      const kinds = policy ? evaluatePolicy(policy, claims, ledgers) : [];
      const unverified = claims.filter((x) => !x.issuer.verified).length;
      if (allowUnverified) c.out.warn(`issuer signatures are not required to verify (${o.allowUnverifiedIssuers ? '--allow-unverified-issuers' : `allowUnverifiedIssuers in ${policy!.source}`}): ${unverified} of ${claims.length} artifact(s) have an unverified issuer`);
      const failure = verdict(claims, results, requirements.length > 0, {
        statuses,
        kinds,
        ...(policy ? { policySource: policy.source } : {}),
        ...(stale ? { stale } : {}),
        allowUnverifiedIssuers: allowUnverified,
        ...(domains && domainsFailure(domains) ? { domains: domainsFailure(domains)! } : {}),
        rules,
        issuerTrustKey: policy ? `issuers / trustAnchors in ${policy.source} (or --issuer-key / --trust-anchor)` : '--issuer-key / --trust-anchor (or a --policy file with issuers / trustAnchors)',
      });
      const report: VerifyReport = {
        ok: failure === undefined,
        subjects,
        claims,
        requirements: results,
        ...(policy ? { policy: { source: policy.source, kinds } } : {}),
        statuses,
        ...(maxAge ? { freshness: { maxAgeSeconds: maxAge.s, subjects: freshness } } : {}),
        ...(allowUnverified ? { unverifiedIssuersAllowed: true } : {}),
        ignoredReferrers: ignored,
        ...(domains ? { domains } : {}),
        ...(rules.length ? { rules } : {}),
        ...(failure ? { failure } : {}),
      };
      c.out.result(report, () => [
        ...subjects.map((s) => `collection ${s}`),
        ...(domains ?? []).map(domainLine),
        ...claims.flatMap(claimLines),
        ...statuses.flatMap(statusLines),
        ...results.map((r) => `${r.met ? 'ok  ' : 'FAIL'} require ${r.requirement}${r.met ? `: met by ${r.matchedBy.map((x) => x.slice(0, 16)).join(', ')}` : `: ${r.reason}`}`),
        ...kinds.flatMap(kindLines),
        ...rules.map((r) => `${r.ok ? 'ok  ' : 'FAIL'} rule ${r.rule} on ${r.entryId.slice(0, 16)}${r.ok ? '' : `: ${r.reason}`}`),
        failure ? `verification FAILED` : `verified: ${claims.filter((x) => x.kind === 'claim').length} claim(s), ${claims.filter((x) => x.kind === 'revocation').length} revocation(s)${requirements.length || kinds.length ? ', policy met' : ''}`,
      ]);
      if (failure) throw new CliError((results.some((r) => !r.met) || kinds.some((k) => !k.met) || rules.some((r) => !r.ok)) && claims.every((x) => x.ok) ? 'ERR_CLI_POLICY' : 'ERR_CLI_VERIFY', `verification failed: ${failure}`);
    });
}
