/**
 * Wire views of checkpoints: JSON for auditors, and a COSE_Sign1 with the root attached — the
 * same protected header and signature as every receipt of that checkpoint, whose detached payload
 * is the root, so it verifies with the receipt's signature.
 */
import { decodeCbor, encodeSign1, HeaderLabel, toHex } from '../../libs/cose/src/index.js';
import type { Checkpoint } from '../../libs/ledger/src/index.js';
import { b64url } from './query-params.js';

export interface CheckpointJson {
  readonly treeSize: number;
  /** hex */
  readonly root: string;
  readonly signedAt: string;
  /** hex of the service key id (protected header label 4) */
  readonly kid: string;
  /** base64url of the protected header bytes, as signed */
  readonly protectedHeader: string;
  /** base64url */
  readonly signature: string;
}

/** The service key id in a checkpoint's protected header (label 4), hex; '' when absent. */
export function checkpointKid(cp: Checkpoint): string {
  const h = decodeCbor(cp.protectedHeader, { mapsAsMaps: true });
  const kid = h instanceof Map ? h.get(HeaderLabel.kid) : undefined;
  return kid instanceof Uint8Array ? toHex(kid) : '';
}

export function checkpointJson(cp: Checkpoint): CheckpointJson {
  return {
    treeSize: cp.treeSize,
    root: toHex(cp.root),
    signedAt: cp.signedAt,
    kid: checkpointKid(cp),
    protectedHeader: b64url(cp.protectedHeader),
    signature: b64url(cp.signature),
  };
}

/**
 * The checkpoint as a tagged COSE_Sign1 `[protected, {}, root, signature]`.
 * @example verifySign1(decodeSign1(checkpointCose(cp)), serviceKey) // the receipt's signature, payload attached
 */
export function checkpointCose(cp: Checkpoint): Uint8Array {
  return encodeSign1({ protectedBytes: cp.protectedHeader, unprotectedHeader: new Map(), payload: cp.root, signature: cp.signature }, { tagged: true });
}
