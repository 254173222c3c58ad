/**
 * The registration policy (docs/policy.md): which statements the ledger admits.
 * Parsed from a JSON/YAML document and validated with messages that name the bad field.
 * Pure: the service reads the file; this module only checks and evaluates.
 */
import type { JsonWebKey } from '../../cose/src/index.js';
import { compileRules, RuleCompileError, type ClaimRule } from './rules/claim.rules.js';

export const ALGORITHMS: Readonly<Record<string, number>> = { ES256: -7, ES384: -35, EdDSA: -8 };

export interface PolicyIssuerKey {
  /** the public key as a JWK (EC P-256/P-384 or OKP Ed25519) */
  readonly jwk: JsonWebKey;
  /** optional explicit kid (hex); statements may name the key by it or by its RFC 9679 thumbprint */
  readonly kid?: string;
}

export interface PolicyIssuer {
  readonly iss: string;
  readonly keys: readonly PolicyIssuerKey[];
  /** issuers whose claims this issuer may revoke besides its own ('*' = any) */
  readonly mayRevokeFor: readonly string[];
  /** issuers whose claims this issuer may supersede explicitly besides its own ('*' = any); absent = none */
  readonly maySupersedeFor?: readonly string[];
}

/**
 * An authenticated submitter and the statement issuers (`iss`) it may register for. The identity
 * is what the service's authentication names: `token:<name>` (a static API token) or
 * `oidc:<claim>` (an OIDC bearer JWT, by default its `sub`). `'*'` in `issuers` = any issuer.
 */
export interface PolicySubmitter {
  readonly identity: string;
  readonly issuers: readonly string[];
}

export interface RegistrationPolicy {
  readonly version: 1;
  /**
   * `development` also admits statements that verify under a key they carry themselves (an
   * `x5chain` leaf certificate, self-signed allowed). `production` admits only registered issuer
   * keys and chains to a configured trust anchor.
   */
  readonly mode: 'development' | 'production';
  /** COSE algorithm ids allowed for statement signatures */
  readonly algorithms: readonly number[];
  readonly maxStatementBytes: number;
  readonly issuers: readonly PolicyIssuer[];
  /** PEM certificates that anchor x5chain issuers */
  readonly trustAnchors: readonly string[];
  /** allowed content types (protected label 3, or 259 for hash envelopes); empty = any */
  readonly contentTypes: readonly string[];
  /** when true, `sub` must be an OCI reference with a digest (a claim about a collection) */
  readonly requireOciSubject: boolean;
  /**
   * When present, only these authenticated identities may register, each only for its issuers
   * (the service must then require authentication). Absent: any authenticated submitter, any `iss`.
   */
  readonly submitters?: readonly PolicySubmitter[];
  /** CEL rules every claim must pass (docs/policy.md#cel-rules); absent = none */
  readonly rules?: readonly ClaimRule[];
  /**
   * An in-toto statement (`application/vnd.in-toto+json`) must list the signed statement's subject
   * digest among its subjects (docs/policy.md#content). Absent = true; only present when configured.
   */
  readonly requireInTotoSubjectMatch?: boolean;
}

export class PolicyError extends Error {
  readonly code = 'ERR_POLICY_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

export const DEFAULT_MAX_STATEMENT_BYTES = 1024 * 1024;

/** The policy `npm start` uses when no file is configured: development mode, nothing registered. */
export function developmentPolicy(): RegistrationPolicy {
  return {
    version: 1,
    mode: 'development',
    algorithms: Object.values(ALGORITHMS),
    maxStatementBytes: DEFAULT_MAX_STATEMENT_BYTES,
    issuers: [],
    trustAnchors: [],
    contentTypes: [],
    requireOciSubject: false,
  };
}

function fail(path: string, why: string): never {
  throw new PolicyError(`invalid registration policy: ${path} ${why}`);
}

function stringArray(v: unknown, path: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s.length === 0)) fail(path, 'must be a list of non-empty strings');
  return v as string[];
}

const KNOWN = new Set(['version', 'mode', 'algorithms', 'maxStatementBytes', 'issuers', 'trustAnchors', 'contentTypes', 'requireOciSubject', 'submitters', 'rules', 'requireInTotoSubjectMatch']);
const IDENTITY = /^(token|oidc):\S.{0,1023}$/s;

function parseSubmitters(v: unknown): PolicySubmitter[] {
  if (!Array.isArray(v)) fail('submitters', 'must be a list');
  const seen = new Set<string>();
  return v.map((raw, i): PolicySubmitter => {
    const p = `submitters[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(p, 'must be a mapping');
    const r = raw as Record<string, unknown>;
    for (const k of Object.keys(r)) if (k !== 'identity' && k !== 'issuers') fail(`${p}.${k}`, 'is not a submitter field (known: identity, issuers)');
    if (typeof r.identity !== 'string' || !IDENTITY.test(r.identity)) fail(`${p}.identity`, "must be 'token:<name>' or 'oidc:<subject>'");
    if (seen.has(r.identity)) fail(`${p}.identity`, `repeats ${r.identity}`);
    seen.add(r.identity);
    const issuers = stringArray(r.issuers, `${p}.issuers`);
    if (issuers.length === 0) fail(`${p}.issuers`, "must name at least one issuer (or '*')");
    return { identity: r.identity, issuers };
  });
}

/**
 * Whether an authenticated identity may register a statement of issuer `iss` (docs/policy.md#submitters).
 * @example
 *   submitterMayRegister(policy, 'token:ci-vendor', 'https://ci.vendor.example') // → { ok: true }
 */
export function submitterMayRegister(policy: RegistrationPolicy, identity: string, iss: string): { ok: true } | { ok: false; why: string } {
  if (!policy.submitters) return { ok: true };
  const s = policy.submitters.find((x) => x.identity === identity);
  if (!s) return { ok: false, why: `${identity} is not a submitter of this ledger's registration policy` };
  if (s.issuers.includes('*') || s.issuers.includes(iss)) return { ok: true };
  return { ok: false, why: `${identity} may not register statements of issuer ${JSON.stringify(iss)} (it may for ${s.issuers.map((x) => JSON.stringify(x)).join(', ')})` };
}

/**
 * Validate a parsed policy document.
 * @example
 *   parsePolicy({ version: 1, mode: 'production', issuers: [{ iss: 'https://ci.example', keys: [{ jwk }] }] })
 */
export function parsePolicy(doc: unknown): RegistrationPolicy {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) fail('(document)', 'must be a mapping');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!KNOWN.has(k)) fail(k, `is not a policy field (known: ${[...KNOWN].join(', ')})`);
  if (d.version !== 1) fail('version', 'must be 1');
  const mode = d.mode ?? 'production';
  if (mode !== 'development' && mode !== 'production') fail('mode', "must be 'development' or 'production'");
  const algNames = d.algorithms === undefined ? Object.keys(ALGORITHMS) : stringArray(d.algorithms, 'algorithms');
  const algorithms = algNames.map((n, i) => ALGORITHMS[n] ?? fail(`algorithms[${i}]`, `is not one of ${Object.keys(ALGORITHMS).join(', ')}`));
  if (algorithms.length === 0) fail('algorithms', 'must not be empty');
  const max = d.maxStatementBytes ?? DEFAULT_MAX_STATEMENT_BYTES;
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 64 || max > 64 * 1024 * 1024) fail('maxStatementBytes', 'must be an integer from 64 to 67108864');
  const issuersIn = d.issuers ?? [];
  if (!Array.isArray(issuersIn)) fail('issuers', 'must be a list');
  const seen = new Set<string>();
  const issuers = issuersIn.map((raw, i): PolicyIssuer => {
    const p = `issuers[${i}]`;
    if (!raw || typeof raw !== 'object') fail(p, 'must be a mapping');
    const r = raw as Record<string, unknown>;
    if (typeof r.iss !== 'string' || r.iss.length === 0) fail(`${p}.iss`, 'must be a non-empty string');
    if (seen.has(r.iss)) fail(`${p}.iss`, `repeats ${r.iss}`);
    seen.add(r.iss);
    const keysIn = r.keys ?? [];
    if (!Array.isArray(keysIn)) fail(`${p}.keys`, 'must be a list');
    const keys = keysIn.map((k, j): PolicyIssuerKey => {
      const kp = `${p}.keys[${j}]`;
      if (!k || typeof k !== 'object' || !(k as Record<string, unknown>).jwk || typeof (k as Record<string, unknown>).jwk !== 'object') fail(kp, 'must have a `jwk` mapping');
      const { jwk, kid } = k as { jwk: JsonWebKey; kid?: unknown };
      if (jwk.d !== undefined) fail(`${kp}.jwk`, 'contains a private key (d): register public keys only');
      if (kid !== undefined && (typeof kid !== 'string' || !/^([0-9a-f]{2})+$/.test(kid))) fail(`${kp}.kid`, 'must be lowercase hex');
      return kid === undefined ? { jwk } : { jwk, kid: kid as string };
    });
    const maySupersedeFor = stringArray(r.maySupersedeFor, `${p}.maySupersedeFor`);
    // only present when given: the canonical JSON (and digest) of existing policies stays the same
    return { iss: r.iss, keys, mayRevokeFor: stringArray(r.mayRevokeFor, `${p}.mayRevokeFor`), ...(maySupersedeFor.length ? { maySupersedeFor } : {}) };
  });
  const trustAnchors = stringArray(d.trustAnchors, 'trustAnchors');
  trustAnchors.forEach((pem, i) => {
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) fail(`trustAnchors[${i}]`, 'must be a PEM certificate');
  });
  const requireOciSubject = d.requireOciSubject ?? false;
  if (typeof requireOciSubject !== 'boolean') fail('requireOciSubject', 'must be true or false');
  let rules: ClaimRule[] = [];
  try {
    rules = compileRules(d.rules, 'rules').rules;
  } catch (e) {
    if (e instanceof RuleCompileError) throw new PolicyError(`invalid registration policy: ${e.message}`);
    throw e;
  }
  if (d.requireInTotoSubjectMatch !== undefined && typeof d.requireInTotoSubjectMatch !== 'boolean') fail('requireInTotoSubjectMatch', 'must be true or false');
  return {
    version: 1,
    mode,
    algorithms,
    maxStatementBytes: max,
    issuers,
    trustAnchors,
    contentTypes: stringArray(d.contentTypes, 'contentTypes'),
    requireOciSubject,
    // only when configured: a policy without submitters keeps its canonical form (and digest)
    ...(d.submitters === undefined ? {} : { submitters: parseSubmitters(d.submitters) }),
    ...(rules.length ? { rules } : {}),
    ...(d.requireInTotoSubjectMatch === undefined ? {} : { requireInTotoSubjectMatch: d.requireInTotoSubjectMatch as boolean }),
  };
}

/** Canonical JSON of a policy (sorted keys): what `PolicyChanged` records and its digest covers. */
export function canonicalPolicyJson(policy: RegistrationPolicy): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return JSON.stringify(sort(policy));
}
