/**
 * The claim model CEL policy expressions read (docs/policy.md#the-claim-model): two variables,
 * `claim` (what the statement says, with its parsed content) and `statement` (the signed envelope).
 * Built from the statement's facts and the parsed content (`libs/content`'s ParsedContent, read
 * structurally here so the ledger library does not depend on the parser). Every field is always
 * present — a missing string is `""`, a missing list `[]` — so an expression never needs `has()`
 * on the model itself; only `claim.payload` (the document as signed) is free-form.
 */
import { claimKindOf, subjectDigestOf } from '../supersession.js';

/** The parts of a parsed content (libs/content ParsedContent) the model reads. */
export interface ClaimContentLike {
  readonly kind: string;
  readonly contentType?: string;
  readonly components: readonly {
    readonly purl: string | null;
    readonly purlBase?: string | null;
    readonly name: string;
    readonly version: string | null;
    readonly hashes: readonly { readonly alg: string; readonly value: string }[];
    readonly licenses?: readonly string[];
  }[];
  readonly vex: readonly {
    readonly vulnerability: string;
    readonly aliases?: readonly string[];
    readonly product: { readonly id: string; readonly purl: string | null; readonly digest: string | null };
    readonly status: string;
    readonly justification: string | null;
  }[];
  readonly subjects: readonly { readonly name: string | null; readonly digests: readonly string[] }[];
  readonly predicateType: string | null;
  readonly builder: { readonly id: string } | null;
  readonly buildType: string | null;
  readonly document: unknown;
}

/** What the signed envelope says (CWT claims and headers). */
export interface StatementFactsLike {
  readonly iss: string;
  readonly sub: string;
  /** content type (3), or preimage content type (259) for a hash envelope */
  readonly contentType: string;
  readonly hashEnvelope: boolean;
}

/** The CEL variables: `claim` and `statement`. */
export interface ClaimActivation {
  readonly claim: Record<string, unknown>;
  readonly statement: Record<string, unknown>;
}

/** CEL type declarations of the model (@marcbachmann/cel-js `registerType` field maps). */
export const CLAIM_MODEL_TYPES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Component: { purl: 'string', purlBase: 'string', name: 'string', version: 'string', licenses: 'list<string>', hashes: 'map<string, string>' },
  Vex: { vulnerability: 'string', aliases: 'list<string>', product: 'string', productPurl: 'string', productDigest: 'string', status: 'string', justification: 'string' },
  Subject: { name: 'string', digests: 'list<string>' },
  Builder: { id: 'string' },
  Claim: {
    kind: 'string',
    contentType: 'string',
    format: 'string',
    issuer: 'string',
    subject: 'string',
    payload: 'dyn',
    components: 'list<Component>',
    vex: 'list<Vex>',
    subjects: 'list<Subject>',
    predicateType: 'string',
    builder: 'Builder',
    buildType: 'string',
  },
  Statement: { issuer: 'string', subject: 'string', subjectDigest: 'string', contentType: 'string', hashEnvelope: 'bool' },
};

/** JSON as CEL sees it: integers stay doubles (CEL compares int and double numerically), objects as maps. */
function jsonForCel(v: unknown): unknown {
  return v === undefined ? null : v;
}

/**
 * The activation for one claim. `content` null (a hash envelope, a detached payload, or a content
 * type nobody parses) gives the `opaque` model: no components, no VEX, an empty payload.
 * @example
 *   claimActivation({ iss, sub, contentType: 'application/vnd.cyclonedx+json', hashEnvelope: false }, parsed)
 *   // → { claim: { kind, components: [{ purl, licenses, … }], … }, statement: { subject, subjectDigest, … } }
 */
export function claimActivation(facts: StatementFactsLike, content: ClaimContentLike | null): ClaimActivation {
  const c = content;
  const claim = {
    kind: claimKindOf(facts.contentType),
    contentType: facts.contentType,
    format: c?.kind ?? 'opaque',
    issuer: facts.iss,
    subject: facts.sub,
    payload: c && c.document !== null && c.document !== undefined ? jsonForCel(c.document) : {},
    components: (c?.components ?? []).map((x) => ({
      purl: x.purl ?? '',
      purlBase: x.purlBase ?? '',
      name: x.name,
      version: x.version ?? '',
      licenses: [...(x.licenses ?? [])],
      hashes: Object.fromEntries(x.hashes.map((h) => [h.alg, h.value])),
    })),
    vex: (c?.vex ?? []).map((v) => ({
      vulnerability: v.vulnerability,
      aliases: [...(v.aliases ?? [])],
      product: v.product.id,
      productPurl: v.product.purl ?? '',
      productDigest: v.product.digest ?? '',
      status: v.status,
      justification: v.justification ?? '',
    })),
    subjects: (c?.subjects ?? []).map((s) => ({ name: s.name ?? '', digests: [...s.digests] })),
    predicateType: c?.predicateType ?? '',
    builder: { id: c?.builder?.id ?? '' },
    buildType: c?.buildType ?? '',
  };
  const statement = {
    issuer: facts.iss,
    subject: facts.sub,
    subjectDigest: subjectDigestOf(facts.sub) ?? '',
    contentType: facts.contentType,
    hashEnvelope: facts.hashEnvelope,
  };
  return { claim, statement };
}
