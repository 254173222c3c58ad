/**
 * The consumer's verification policy file for `scitt verify --policy FILE` (docs/policy.md#consumer-policy):
 * YAML or JSON saying which ledgers and issuers the consumer trusts, which issuer wins for which
 * kind of claim, which kinds are required, and how fresh the knowledge of revocations must be.
 * Relative file names are read relative to the policy file. Every mistake names the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compileRules, RuleCompileError, type CompiledRule } from '../../ledger/src/index.js';
import { usage } from './cli.errors.js';
import { parseSearchDomains, type SearchDomain } from './search.domains.config.js';

/** One required kind of claim. */
export interface PolicyRequirement {
  /** the claim kind (its content type) */
  kind: string;
  /** the deciding claim must be from this issuer */
  issuer?: string;
  /** the deciding claim must have a receipt from this ledger (receipt iss, trust-file name or URL) */
  ledger?: string;
}

export interface ConsumerPolicy {
  source: string;
  /** trust files / COSE Key Sets of trusted ledgers (empty: the default trust file) */
  ledgers: string[];
  /** `--issuer-key` equivalents: `[iss=]file` */
  issuerKeys: string[];
  trustAnchors: string[];
  /** the default issuer order, most trusted first (empty: all issuers equal, newest wins) */
  precedence: string[];
  /** per-kind issuer orders */
  kinds: Record<string, { precedence: string[] }>;
  require: PolicyRequirement[];
  /** freshness: a verified status statement at most this old (seconds) is required */
  maxAgeSeconds?: number;
  maxAgeText?: string;
  allowUnverifiedIssuers: boolean;
  /** CEL rules every live claim must pass (docs/policy.md#cel-rules), compiled at load */
  rules: CompiledRule[];
  /** where `scitt verify sha256:…` looks for referrers, in order (docs/cli.md#search-domains) */
  searchDomains: SearchDomain[];
}

const DURATION = /^([1-9][0-9]{0,8})(s|m|h|d)$/;
const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a duration `<n>s|m|h|d` into seconds.
 * @example parseDuration('24h', 'freshness.maxAge') // 86400
 */
export function parseDuration(text: string, what: string): number {
  const m = DURATION.exec(String(text).trim());
  if (!m) throw usage(`couldn't read ${what} ${JSON.stringify(text)}: want a duration like 90s, 30m, 24h or 7d`);
  return Number(m[1]) * UNIT[m[2]!]!;
}

const TOP = new Set(['version', 'ledgers', 'issuers', 'trustAnchors', 'precedence', 'kinds', 'require', 'freshness', 'allowUnverifiedIssuers', 'rules', 'searchDomains']);

function fail(source: string, field: string, why: string): never {
  throw usage(`couldn't read consumer policy ${source}: ${field} ${why}`);
}

function strings(v: unknown, source: string, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.length > 0)) fail(source, field, 'must be a list of non-empty strings');
  return v as string[];
}

function mapping(v: unknown, source: string, field: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(source, field, 'must be a mapping');
  return v as Record<string, unknown>;
}

/** Parses a policy document (already read from YAML/JSON); `base` resolves relative file names. */
export function parseConsumerPolicy(doc: unknown, source: string, base: string): ConsumerPolicy {
  const d = mapping(doc, source, '(document)');
  for (const k of Object.keys(d)) if (!TOP.has(k)) fail(source, k, `is not a policy field (known: ${[...TOP].join(', ')})`);
  if (d.version !== 1) fail(source, 'version', 'must be 1');
  const file = (f: string, field: string): string => {
    const p = isAbsolute(f) ? f : resolve(base, f);
    if (!existsSync(p)) fail(source, field, `names ${p}, which does not exist`);
    return p;
  };
  const ledgers = strings(d.ledgers, source, 'ledgers').map((f, i) => file(f, `ledgers[${i}]`));
  const issuerKeys: string[] = [];
  if (d.issuers !== undefined) {
    if (!Array.isArray(d.issuers)) fail(source, 'issuers', 'must be a list');
    (d.issuers as unknown[]).forEach((raw, i) => {
      const r = mapping(raw, source, `issuers[${i}]`);
      for (const k of Object.keys(r)) if (k !== 'iss' && k !== 'key') fail(source, `issuers[${i}].${k}`, 'is not a field (iss, key)');
      if (typeof r.iss !== 'string' || r.iss === '') fail(source, `issuers[${i}].iss`, 'must be a non-empty string');
      if (typeof r.key !== 'string' || r.key === '') fail(source, `issuers[${i}].key`, 'must name a key or certificate file');
      issuerKeys.push(`${r.iss}=${file(r.key as string, `issuers[${i}].key`)}`);
    });
  }
  const trustAnchors = strings(d.trustAnchors, source, 'trustAnchors').map((f, i) => file(f, `trustAnchors[${i}]`));
  const precedence = strings(d.precedence, source, 'precedence');
  if (new Set(precedence).size !== precedence.length) fail(source, 'precedence', 'lists an issuer twice');
  const kinds: ConsumerPolicy['kinds'] = {};
  if (d.kinds !== undefined) {
    for (const [kind, raw] of Object.entries(mapping(d.kinds, source, 'kinds'))) {
      const r = mapping(raw, source, `kinds[${JSON.stringify(kind)}]`);
      for (const k of Object.keys(r)) if (k !== 'precedence') fail(source, `kinds[${JSON.stringify(kind)}].${k}`, 'is not a field (precedence)');
      kinds[kind] = { precedence: strings(r.precedence, source, `kinds[${JSON.stringify(kind)}].precedence`) };
    }
  }
  const require: PolicyRequirement[] = [];
  if (d.require !== undefined) {
    if (!Array.isArray(d.require)) fail(source, 'require', 'must be a list');
    (d.require as unknown[]).forEach((raw, i) => {
      const r = mapping(raw, source, `require[${i}]`);
      for (const k of Object.keys(r)) if (!['kind', 'issuer', 'ledger'].includes(k)) fail(source, `require[${i}].${k}`, 'is not a field (kind, issuer, ledger)');
      if (typeof r.kind !== 'string' || r.kind === '') fail(source, `require[${i}].kind`, 'must be a content type');
      for (const k of ['issuer', 'ledger'] as const) if (r[k] !== undefined && (typeof r[k] !== 'string' || r[k] === '')) fail(source, `require[${i}].${k}`, 'must be a non-empty string');
      require.push({ kind: r.kind as string, ...(r.issuer !== undefined ? { issuer: r.issuer as string } : {}), ...(r.ledger !== undefined ? { ledger: r.ledger as string } : {}) });
    });
  }
  let maxAgeSeconds: number | undefined;
  let maxAgeText: string | undefined;
  if (d.freshness !== undefined) {
    const f = mapping(d.freshness, source, 'freshness');
    for (const k of Object.keys(f)) if (k !== 'maxAge') fail(source, `freshness.${k}`, 'is not a field (maxAge)');
    if (f.maxAge !== undefined) {
      maxAgeText = String(f.maxAge);
      maxAgeSeconds = parseDuration(maxAgeText, `consumer policy ${source}: freshness.maxAge`);
    }
  }
  const allow = d.allowUnverifiedIssuers ?? false;
  if (typeof allow !== 'boolean') fail(source, 'allowUnverifiedIssuers', 'must be true or false');
  let rules: CompiledRule[];
  try {
    rules = compileRules(d.rules, 'rules').compiled;
  } catch (e) {
    if (e instanceof RuleCompileError) throw usage(`couldn't read consumer policy ${source}: ${e.message}`, e);
    throw e;
  }
  const searchDomains = parseSearchDomains(d.searchDomains, base, (field, why) => fail(source, field, why));
  return { source, ledgers, issuerKeys, trustAnchors, precedence, kinds, require, ...(maxAgeSeconds !== undefined ? { maxAgeSeconds, maxAgeText: maxAgeText! } : {}), allowUnverifiedIssuers: allow, rules, searchDomains };
}

/**
 * Reads a consumer policy file (YAML or JSON: JSON is YAML).
 * @example const policy = loadConsumerPolicy('deploy-policy.yaml');
 */
export function loadConsumerPolicy(path: string): ConsumerPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw usage(`couldn't read consumer policy ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, e);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true, maxAliasCount: 0 });
  } catch (e) {
    throw usage(`couldn't read consumer policy ${path}: not YAML/JSON: ${(e as Error).message.split('\n')[0]}`, e);
  }
  return parseConsumerPolicy(doc, path, dirname(resolve(path)));
}

/** The issuer order for `kind`: its own, else the default. */
export function orderFor(policy: ConsumerPolicy, kind: string): string[] {
  return policy.kinds[kind]?.precedence ?? policy.precedence;
}
