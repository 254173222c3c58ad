/**
 * The parsed-content model (docs/content.md): what the ledger, its projections and policy
 * expressions know about a claim's payload. One discriminated union by `kind`; every variant
 * carries the same normalised fields (empty when the format has none) so a policy can ask
 * `claim.components` or `claim.vex` without first asking what the document is, and the
 * `document` itself (the JSON value, as signed) for format-specific questions.
 */

/** A hash of a component or product: algorithm in lowercase (`sha256`, `sha3-256`, `blake2b-256`, `md5`…), value in lowercase hex. */
export interface ContentHash {
  readonly alg: string;
  readonly value: string;
}

/** A software component named by an SBOM (a CycloneDX component, an SPDX package). */
export interface ContentComponent {
  /** The package URL normalised by `packageurl-js` (`pkg:npm/%40angular/core@17.0.0`), or null when the component has none. */
  readonly purl: string | null;
  /** The purl without version, qualifiers and subpath (`pkg:npm/%40angular/core`): the key for "all versions" queries. */
  readonly purlBase: string | null;
  /** The purl's version (`4.17.20`), null when the purl has none or there is no purl; `version` is the document's own field. */
  readonly purlVersion: string | null;
  readonly name: string;
  readonly version: string | null;
  readonly hashes: readonly ContentHash[];
  /** SPDX licence ids, expressions or free-text names, as the document states them (NOASSERTION/NONE left out). */
  readonly licenses: readonly string[];
  /** Where in the document it was read (JSON pointer), e.g. `/components/3` or `/packages/0`. */
  readonly pointer: string;
}

/** OpenVEX's status vocabulary; CycloneDX analysis states map onto it (docs/content.md). */
export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation';

/** A product a VEX statement speaks about: a purl, a digest (`sha256:<hex>`), or both. */
export interface VexProduct {
  /** The identifier as written (OpenVEX `@id`, CycloneDX `affects[].ref` resolved to a purl when it names a component). */
  readonly id: string;
  readonly purl: string | null;
  readonly purlBase: string | null;
  readonly digest: string | null;
}

/** One (vulnerability, product) pair with its status. */
export interface VexEntry {
  /** The vulnerability id as written (`CVE-2025-1234`, `GHSA-…`). */
  readonly vulnerability: string;
  readonly aliases: readonly string[];
  readonly product: VexProduct;
  /** Subcomponent purls the statement is scoped to (OpenVEX `subcomponents`), empty when none. */
  readonly subcomponents: readonly string[];
  readonly status: VexStatus;
  /** OpenVEX justification or CycloneDX `analysis.justification`, null when none. */
  readonly justification: string | null;
  /** The status as the source format wrote it (CycloneDX `analysis.state`, OpenVEX `status`). */
  readonly sourceStatus: string;
  readonly pointer: string;
}

/** An in-toto subject: its name and digest set; `digests` lists `alg:value` strings (`sha256:<hex>`). */
export interface ContentSubject {
  readonly name: string | null;
  readonly digests: readonly string[];
}

/** What SLSA Provenance v1 adds (https://slsa.dev/spec/v1.0/provenance). */
export interface SlsaDetail {
  readonly builderId: string;
  readonly builderVersion: Readonly<Record<string, string>>;
  readonly buildType: string;
  readonly invocationId: string | null;
  readonly resolvedDependencies: readonly { readonly uri: string | null; readonly name: string | null; readonly digests: readonly string[] }[];
}

/** Fields every variant has. */
interface ContentCommon {
  /** The media type the content was parsed as (lowercase, parameters dropped). */
  readonly contentType: string;
  readonly components: readonly ContentComponent[];
  readonly vex: readonly VexEntry[];
  readonly subjects: readonly ContentSubject[];
  /** The in-toto predicate type, null for other formats. */
  readonly predicateType: string | null;
  /** The builder (SLSA `runDetails.builder.id`), null when the content names none. */
  readonly builder: { readonly id: string } | null;
  readonly buildType: string | null;
  /** The document as parsed (strict JSON), null for opaque content. */
  readonly document: unknown;
}

export interface CycloneDxContent extends ContentCommon {
  readonly kind: 'cyclonedx' | 'cyclonedx-vex';
  readonly specVersion: '1.4' | '1.5' | '1.6';
  readonly serialNumber: string | null;
  /** `metadata.component`: what the BOM describes, null when absent. */
  readonly metadataComponent: ContentComponent | null;
}

export interface SpdxContent extends ContentCommon {
  readonly kind: 'spdx';
  readonly spdxVersion: 'SPDX-2.3';
  readonly documentNamespace: string;
  readonly name: string;
  /** The packages the document DESCRIBES (documentDescribes or DESCRIBES relationships), as components. */
  readonly described: readonly ContentComponent[];
}

export interface InTotoContent extends ContentCommon {
  readonly kind: 'intoto';
  readonly predicateType: string;
  /** Set when the predicate type is SLSA Provenance v1. */
  readonly slsa: SlsaDetail | null;
}

export interface OpenVexContent extends ContentCommon {
  readonly kind: 'openvex';
  readonly id: string;
  readonly author: string;
  readonly timestamp: string;
  readonly version: number;
}

export interface OpaqueContent extends ContentCommon {
  readonly kind: 'opaque';
  readonly document: null;
}

export type ParsedContent = CycloneDxContent | SpdxContent | InTotoContent | OpenVexContent | OpaqueContent;
export type ContentKind = ParsedContent['kind'];

/** Bounds on parsing (docs/content.md#limits): a payload past any of them is refused, never indexed in part. */
export interface ContentLimits {
  /** Payload bytes (registration has its own, usually smaller, limit). */
  readonly maxBytes: number;
  /** JSON nesting depth (objects and arrays). */
  readonly maxDepth: number;
  /** Components per document, nested ones included (CycloneDX components, SPDX packages). */
  readonly maxComponents: number;
  /** VEX (vulnerability, product) pairs per document. */
  readonly maxVexEntries: number;
  /** in-toto subjects, and SLSA resolved dependencies. */
  readonly maxSubjects: number;
  /** Hashes per component, licences per component, aliases per vulnerability. */
  readonly maxPerItem: number;
}

export const DEFAULT_CONTENT_LIMITS: ContentLimits = Object.freeze({
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 64,
  maxComponents: 50_000,
  maxVexEntries: 50_000,
  maxSubjects: 10_000,
  maxPerItem: 256,
});
