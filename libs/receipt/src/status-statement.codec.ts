/**
 * Status statements (docs/receipts.md#status-statements): the ledger's signed answer to "which
 * entries about collection D are revoked or superseded as of tree size N". A COSE_Sign1 (tag 18)
 * signed with the service key like the receipts, with an attached deterministic-CBOR payload that
 * carries the checkpoint at N (its root and signature) and an inclusion proof of leaf N−1 in the
 * tree of size N, so a verifier checks offline that N is the size of a tree the log signed, and an
 * auditor replaying the log can prove a status statement false.
 */
import { CwtClaim, encodeCbor, encodeSign1, HeaderLabel, sigStructure1 } from '../../cose/src/index.js';

/** Content type (protected label 3) of a status statement. */
export const STATUS_CONTENT_TYPE = 'application/vnd.scitt-ledger.status+cbor';
/** Media type of a status statement as a file, an HTTP body or an OCI layer (`application/cose` on the wire of the API). */
export const MEDIA_TYPE_SCITT_STATUS = 'application/vnd.scitt-ledger.status+cose';

/** One revoked or superseded entry in a status statement. */
export interface StatusEntry {
  entryId: string;
  statementId: string;
  index: number;
  iss: string;
  kind: string;
  state: 'revoked' | 'superseded';
  /** the revoking or superseding entry */
  by: string;
  byIndex: number;
  reason?: string;
}

/** What a status statement states. */
export interface StatusContent {
  /** the collection digest `sha256:<hex>` */
  subject: string;
  logId: string;
  treeSize: number;
  /** the checkpoint at treeSize: its Merkle root, protected header and signature (as in receipts) */
  root: Uint8Array;
  checkpointProtected: Uint8Array;
  checkpointSignature: Uint8Array;
  /** inclusion proof of leaf treeSize−1 in the tree of treeSize: [leaf hash, path] */
  lastLeafHash: Uint8Array;
  lastLeafPath: Uint8Array[];
  entries: StatusEntry[];
}

/** Inputs of {@link signStatusStatement}. */
export interface SignStatusInput extends StatusContent {
  alg: number;
  kid: Uint8Array;
  /** the transparency service's identifier (CWT iss) */
  issuer: string;
  /** whole seconds since the epoch */
  iat: number;
  /** signs the Sig_structure with the service key (raw COSE signature bytes) */
  sign: (toBeSigned: Uint8Array) => Promise<Uint8Array>;
}

function entryMap(e: StatusEntry): Map<string, unknown> {
  const m = new Map<string, unknown>([
    ['entryId', e.entryId],
    ['statementId', e.statementId],
    ['index', e.index],
    ['iss', e.iss],
    ['kind', e.kind],
    ['state', e.state],
    ['by', e.by],
    ['byIndex', e.byIndex],
  ]);
  if (e.reason !== undefined) m.set('reason', e.reason);
  return m;
}

/** The deterministic CBOR payload of a status statement. */
export function encodeStatusPayload(c: StatusContent): Uint8Array {
  return encodeCbor(
    new Map<string, unknown>([
      ['subject', c.subject],
      ['logId', c.logId],
      ['treeSize', c.treeSize],
      ['root', c.root],
      ['checkpoint', [c.checkpointProtected, c.checkpointSignature]],
      ['lastLeaf', [c.lastLeafHash, c.lastLeafPath]],
      ['entries', c.entries.map(entryMap)],
    ]),
  );
}

/** The protected header `{1: alg, 3: STATUS_CONTENT_TYPE, 4: kid, 15: {1: iss, 2: subject, 6: iat}}`. */
export function statusProtectedHeader(o: { alg: number; kid: Uint8Array; issuer: string; subject: string; iat: number }): Uint8Array {
  return encodeCbor(
    new Map<number, unknown>([
      [HeaderLabel.alg, o.alg],
      [HeaderLabel.contentType, STATUS_CONTENT_TYPE],
      [HeaderLabel.kid, o.kid],
      [HeaderLabel.cwtClaims, new Map<number, unknown>([[CwtClaim.iss, o.issuer], [CwtClaim.sub, o.subject], [CwtClaim.iat, o.iat]])],
    ]),
  );
}

/**
 * Signs a status statement.
 * @example
 *   const bytes = await signStatusStatement({ ...content, alg: -7, kid, issuer, iat, sign: (tbs) => backend.sign(-7, key, tbs) });
 */
export async function signStatusStatement(i: SignStatusInput): Promise<Uint8Array> {
  const protectedBytes = statusProtectedHeader({ alg: i.alg, kid: i.kid, issuer: i.issuer, subject: i.subject, iat: i.iat });
  const payload = encodeStatusPayload(i);
  const signature = await i.sign(sigStructure1(protectedBytes, new Uint8Array(0), payload));
  return encodeSign1({ protectedBytes, unprotectedHeader: new Map(), payload, signature }, { tagged: true });
}
