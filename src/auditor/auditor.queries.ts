/**
 * The auditor API's queries (read side of CQRS), executed through `@nestjs/cqrs`'s QueryBus.
 * Their results are the JSON bodies documented in docs/api.md.
 */
import type { Readable } from 'node:stream';
import { Query } from '@nestjs/cqrs';
import type { Checkpoint, KindDecision } from '../../libs/ledger/src/index.js';
import type { ClaimFilter, ClaimRevocation, ClaimView, LogStats } from '../projections/claims.reader.js';
import type { PublicationState } from '../publisher/publication-status.js';

export interface ClaimsPage {
  readonly items: readonly ClaimView[];
  /** opaque cursor of the next page, null on the last */
  readonly next: string | null;
  /** with `subject=`: the digest the claims are keyed by and the references they were registered under */
  readonly subject?: { readonly digest: string | null; readonly references: readonly string[] };
  /** with `precedence=`: per kind, the claim that decides it and why the others lost (over all claims about the subject) */
  readonly decisions?: readonly KindDecision[];
  /** with a content filter (predicateType, builder, vulnerability): the tree size the answer reflects */
  readonly treeSize?: number;
}

export interface EntryStatus {
  readonly entryId: string;
  readonly index: number;
  readonly iss: string;
  readonly sub: string;
  readonly contentType: string;
  readonly registeredAt: string;
  readonly revoked: boolean;
  readonly revocation?: ClaimRevocation;
  readonly supersededBy?: string;
  readonly supersession?: ClaimView['supersession'];
  readonly current?: boolean;
  readonly statementId?: string;
  readonly kind?: string;
  readonly subjectDigest?: string | null;
  /** the first entry of the same statement (docs/receipts.md "Statement identity") */
  readonly duplicateOf?: string;
  /** the referrer publisher's state for this entry (as GET /entries/{id}/publication), null when there is none */
  readonly publication: PublicationState | null;
}

export interface CheckpointsPage {
  readonly items: readonly Checkpoint[];
  /** the tree size to pass as `after` for the next page, null on the last */
  readonly next: number | null;
}

export interface InclusionProofResult {
  readonly entryId: string;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: Uint8Array;
  readonly root: Uint8Array;
  readonly path: readonly Uint8Array[];
  /** the checkpoint signed at `treeSize`, when there is one */
  readonly checkpoint: Checkpoint | undefined;
}

export interface ConsistencyProofResult {
  readonly from: number;
  readonly to: number;
  readonly root1: Uint8Array;
  readonly root2: Uint8Array;
  readonly path: readonly Uint8Array[];
  /** the checkpoint signed at `to`, when there is one */
  readonly checkpoint: Checkpoint | undefined;
}

export interface LogEntryItem {
  readonly index: number;
  readonly entryId: string;
  /** base64url of the entry bytes (the leaf is SHA-256(0x00 ‖ entry)) */
  readonly entry: string;
  readonly iss: string;
  readonly sub: string;
  readonly contentType: string;
  readonly kid: string;
  readonly registeredAt: string;
}

export interface LogEntriesPage {
  readonly items: readonly LogEntryItem[];
  /** the `start` of the next page (the count or the byte bound ended this one), null when this page reached the end of the log */
  readonly next: number | null;
}

/** Claims matching a filter, newest first. */
export class GetClaims extends Query<ClaimsPage> {
  constructor(
    readonly filter: ClaimFilter,
    /** exclusive upper bound on the log index (decoded cursor) */
    readonly before: number | undefined,
    readonly limit: number,
    /** the page ends before its JSON passes this many bytes (one item always fits) */
    readonly maxBytes: number = Number.MAX_SAFE_INTEGER,
    /** issuers, most trusted first: adds `decisions` */
    readonly precedence?: readonly string[],
  ) {
    super();
  }
}

/** Revocation, supersession and publication state of one entry. */
export class GetEntryStatus extends Query<EntryStatus> {
  constructor(readonly entryId: string) {
    super();
  }
}

export class GetLogStats extends Query<LogStats> {}

/** The checkpoint at `treeSize`, or the latest when undefined. */
export class GetCheckpoint extends Query<Checkpoint> {
  constructor(readonly treeSize: number | undefined) {
    super();
  }
}

export class ListCheckpoints extends Query<CheckpointsPage> {
  constructor(
    readonly after: number,
    readonly limit: number,
  ) {
    super();
  }
}

/** Inclusion proof of an entry (by id or index) in the tree of `treeSize` (latest checkpoint when undefined). */
export class GetInclusionProof extends Query<InclusionProofResult> {
  constructor(
    readonly entry: { readonly entryId: string } | { readonly index: number },
    readonly treeSize: number | undefined,
  ) {
    super();
  }
}

/** Consistency proof between two tree sizes (`to` = latest checkpoint when undefined). */
export class GetConsistencyProof extends Query<ConsistencyProofResult> {
  constructor(
    readonly from: number,
    readonly to: number | undefined,
  ) {
    super();
  }
}

/** Entries in log order from `start` (log replay): the JSON body of a {@link LogEntriesPage}, streamed. */
export class GetLogEntries extends Query<Readable> {
  constructor(
    readonly start: number,
    readonly limit: number,
    /** the page ends before its body passes this many bytes (one item always fits) */
    readonly maxBytes: number,
  ) {
    super();
  }
}
