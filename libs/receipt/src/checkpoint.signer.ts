/**
 * Checkpoints: one signature per tree size, shared by every receipt of that size (docs/architecture.md, Definitions).
 * The signature is an RFC 9942 receipt signature: COSE_Sign1 Sig_structure
 * `["Signature1", protected, h'', root]` with the Merkle root as the detached payload.
 */
import { CwtClaim, encodeCbor, HeaderLabel, sigStructure1 } from '../../cose/src/index.js';
import { ReceiptError, ReceiptErrorCode } from './receipt.errors.js';

/** The RFC 9942 verifiable data structure id of RFC 9162 SHA-256 Merkle trees (header 395). */
export const VDS_RFC9162_SHA256 = 1;

/** Size of a SHA-256 Merkle root. */
export const ROOT_SIZE = 32;

const EMPTY = new Uint8Array(0);

function badArg(why: string): never {
  throw new ReceiptError(ReceiptErrorCode.BadArgument, `couldn't build checkpoint: ${why}`);
}

/** What a checkpoint's protected header states. */
export interface CheckpointHeaderFields {
  /** COSE algorithm of the service key (e.g. -7 ES256). */
  alg: number;
  /** The service key id (RFC 9679 thumbprint), bstr. */
  kid: Uint8Array;
  /** CWT `iss`: the transparency service's identifier. */
  issuer: string;
  /** CWT `sub`: the log's identifier, constant for the log. */
  logId: string;
  /** CWT `iat`: checkpoint time, whole seconds since the epoch. */
  iat: number;
}

function checkFields(o: CheckpointHeaderFields): void {
  if (!Number.isSafeInteger(o.alg)) badArg(`alg must be an integer, got ${String(o.alg)}`);
  if (!(o.kid instanceof Uint8Array) || o.kid.length === 0) badArg('kid must be a non-empty Uint8Array');
  if (typeof o.issuer !== 'string' || o.issuer === '') badArg('issuer must be a non-empty string');
  if (typeof o.logId !== 'string' || o.logId === '') badArg('logId must be a non-empty string');
  if (!Number.isSafeInteger(o.iat) || o.iat < 0) badArg(`iat must be a non-negative integer (seconds), got ${String(o.iat)}`);
}

/**
 * The deterministic CBOR protected header of a checkpoint:
 * `{1: alg, 4: kid, 15: {1: iss, 2: sub, 6: iat}, 395: 1}`.
 *
 * @throws ReceiptError ERR_RECEIPT_BAD_ARGUMENT
 * @example
 *   const ph = checkpointProtectedHeader({ alg: -7, kid, issuer: 'https://ledger.example', logId: 'main', iat: 1767225600 });
 *   // a4 01 26 04 58 20 … 0f a3 01 … 02 … 06 1a … 19 01 8b 01
 */
export function checkpointProtectedHeader(o: CheckpointHeaderFields): Uint8Array {
  checkFields(o);
  const claims = new Map<number, unknown>([
    [CwtClaim.iss, o.issuer],
    [CwtClaim.sub, o.logId],
    [CwtClaim.iat, o.iat],
  ]);
  return encodeCbor(
    new Map<number, unknown>([
      [HeaderLabel.alg, o.alg],
      [HeaderLabel.kid, o.kid],
      [HeaderLabel.cwtClaims, claims],
      [HeaderLabel.vds, VDS_RFC9162_SHA256],
    ]),
  );
}

/**
 * The bytes a checkpoint signature covers: `["Signature1", protectedHeader, h'', root]`.
 *
 * @throws ReceiptError ERR_RECEIPT_BAD_ARGUMENT when root is not 32 bytes
 */
export function checkpointToBeSigned(protectedHeader: Uint8Array, root: Uint8Array): Uint8Array {
  if (!(root instanceof Uint8Array) || root.length !== ROOT_SIZE) badArg(`root must be ${ROOT_SIZE} bytes`);
  if (!(protectedHeader instanceof Uint8Array)) badArg('protectedHeader must be a Uint8Array');
  return sigStructure1(protectedHeader, EMPTY, root);
}

/** Inputs of {@link signCheckpoint}. */
export interface SignCheckpointInput extends CheckpointHeaderFields {
  /** The RFC 9162 root of the tree at this checkpoint (32 bytes). */
  root: Uint8Array;
  /** Signs the Sig_structure with the service key (e.g. `(tbs) => backend.sign(alg, key, tbs)`). */
  sign: (toBeSigned: Uint8Array) => Promise<Uint8Array>;
}

/**
 * Signs a checkpoint: builds its protected header and signs the Merkle root as a detached
 * payload. Every receipt of this tree size reuses the returned header and signature.
 *
 * @throws ReceiptError ERR_RECEIPT_BAD_ARGUMENT; whatever `sign` throws, unchanged
 * @example
 *   const cp = await signCheckpoint({
 *     root: range.root(), issuer, logId, iat: Math.floor(clock.now() / 1000), alg: Alg.ES256, kid,
 *     sign: (tbs) => nodeCryptoBackend.sign(Alg.ES256, serviceKey, tbs),
 *   });
 *   const receipt = encodeInclusionReceipt({ ...cp, treeSize, leafIndex, path });
 */
export async function signCheckpoint(o: SignCheckpointInput): Promise<{ protectedHeader: Uint8Array; signature: Uint8Array }> {
  const protectedHeader = checkpointProtectedHeader(o);
  const tbs = checkpointToBeSigned(protectedHeader, o.root);
  const signature = await o.sign(tbs);
  if (!(signature instanceof Uint8Array) || signature.length === 0) badArg('the signer returned no signature');
  return { protectedHeader, signature };
}
