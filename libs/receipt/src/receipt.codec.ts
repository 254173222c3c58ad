/**
 * RFC 9942 COSE Receipts for RFC9162_SHA256 trees, on the wire: encoding the receipts this
 * service issues, and strict decoding of any RFC 9942 receipt.
 *
 * A receipt is a tagged COSE_Sign1 with payload nil (the detached payload is the Merkle root),
 * protected `{1: alg, 4: kid, 15: {…}, 395: 1}` and unprotected
 * `{396: {-1: [bstr .cbor [tree_size, leaf_index, [path…]]]}}` (inclusion) or
 * `{396: {-2: [bstr .cbor [tree_size_1, tree_size_2, [path…]]]}}` (consistency).
 */
import {
  CborWriter,
  COSE_SIGN1_TAG,
  CoseError,
  decodeCbor,
  decodeSign1,
  getAlg,
  getCwtClaims,
  checkCrit,
  HeaderLabel,
  type CoseSign1,
} from '../../cose/src/index.js';
import { ROOT_SIZE, VDS_RFC9162_SHA256 } from './checkpoint.signer.js';
import { messageOf, ReceiptError, ReceiptErrorCode } from './receipt.errors.js';

/** Labels inside the verifiable data proofs map (header 396). */
export const ProofType = { inclusion: -1, consistency: -2 } as const;

/** Protected header labels a receipt verifier understands (for `crit`). */
export const UNDERSTOOD_LABELS: readonly number[] = [HeaderLabel.alg, HeaderLabel.kid, HeaderLabel.cwtClaims, HeaderLabel.vds];

/** An RFC 9162 inclusion proof as carried in a receipt. */
export interface InclusionProof {
  readonly treeSize: number;
  readonly leafIndex: number;
  readonly path: Uint8Array[];
}

/** An RFC 9162 consistency proof as carried in a receipt. */
export interface ConsistencyProof {
  readonly size1: number;
  readonly size2: number;
  readonly path: Uint8Array[];
}

/** A strictly decoded receipt (not verified: see {@link verifyReceipt}). */
export interface DecodedReceipt {
  readonly sign1: CoseSign1;
  readonly alg: number;
  readonly kid: Uint8Array;
  /** Always 1 (RFC9162_SHA256): anything else is rejected. */
  readonly vds: number;
  /** CWT claims of the protected header, when present (receipts we issue carry all three). */
  readonly iss?: string;
  readonly sub?: string;
  readonly iat?: number;
  readonly inclusion?: InclusionProof[];
  readonly consistency?: ConsistencyProof[];
}

const MAX_RECEIPT_SIZE = 1024 * 1024;

function malformed(why: string, cause?: unknown): never {
  throw new ReceiptError(ReceiptErrorCode.Malformed, `couldn't decode receipt: ${why}`, cause === undefined ? undefined : { cause });
}

function badArg(what: string, why: string): never {
  throw new ReceiptError(ReceiptErrorCode.BadArgument, `couldn't encode ${what}: ${why}`);
}

function checkPathArg(what: string, path: readonly Uint8Array[]): void {
  if (!Array.isArray(path)) badArg(what, 'path must be an array');
  path.forEach((h, i) => {
    if (!(h instanceof Uint8Array) || h.length !== ROOT_SIZE) badArg(what, `path[${i}] must be a ${ROOT_SIZE}-byte hash`);
  });
}

function checkSignedParts(what: string, protectedHeader: Uint8Array, signature: Uint8Array): void {
  if (!(protectedHeader instanceof Uint8Array) || protectedHeader.length === 0) badArg(what, 'protectedHeader must be non-empty bytes');
  if (!(signature instanceof Uint8Array) || signature.length === 0) badArg(what, 'signature must be non-empty bytes');
}

function isSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** Bytes of the shortest CBOR head for argument `n` (n a safe integer ≥ 0). */
function headSize(n: number): number {
  return n < 24 ? 1 : n < 256 ? 2 : n < 65536 ? 3 : n < 2 ** 32 ? 5 : 9;
}

/** One receipt in bytes of its own (see {@link writeReceipt}). */
function encodeReceipt(protectedHeader: Uint8Array, signature: Uint8Array, type: number, a: number, b: number, path: readonly Uint8Array[]): Uint8Array {
  const w = new CborWriter(protectedHeader.length + signature.length + proofSize(a, b, path) + 32);
  writeReceipt(w, protectedHeader, signature, type, a, b, path);
  return w.finish();
}

function proofSize(a: number, b: number, path: readonly Uint8Array[]): number {
  return 1 + headSize(a) + headSize(b) + headSize(path.length) + path.length * (2 + ROOT_SIZE);
}

/**
 * Writes the receipt directly: `18([protected, {396: {type: [bstr .cbor [a, b, [path…]]]}}, nil,
 * signature])`. Every map here has one key, so the deterministic encoding needs no sorting, and
 * the proof's length is known before it is written; the generic encoder would build a Map per
 * level, encode each key in a writer of its own and copy the proof out (the receipt is built for
 * every registration: docs/benchmarks.md, #17 seventeenth pass). A test holds the bytes equal to
 * the generic encoder's over many sizes and indices (receipt.encoding.unit.spec.ts).
 */
function writeReceipt(w: CborWriter, protectedHeader: Uint8Array, signature: Uint8Array, type: number, a: number, b: number, path: readonly Uint8Array[]): void {
  w.head(6, COSE_SIGN1_TAG);
  w.head(4, 4);
  w.bytes(protectedHeader);
  w.head(5, 1);
  w.head(0, HeaderLabel.vdp);
  w.head(5, 1);
  w.head(1, -1 - type);
  w.head(4, 1);
  w.head(2, proofSize(a, b, path));
  w.head(4, 3);
  w.head(0, a);
  w.head(0, b);
  w.head(4, path.length);
  for (const h of path) w.bytes(h);
  w.head(7, 22);
  w.bytes(signature);
}

function checkInclusion(what: string, o: { protectedHeader: Uint8Array; signature: Uint8Array; treeSize: number; leafIndex: number; path: readonly Uint8Array[] }): void {
  checkSignedParts(what, o.protectedHeader, o.signature);
  if (!isSize(o.treeSize) || o.treeSize === 0) badArg(what, `treeSize must be a positive safe integer, got ${String(o.treeSize)}`);
  if (!isSize(o.leafIndex) || o.leafIndex >= o.treeSize) badArg(what, `leafIndex must be a safe integer below treeSize, got ${String(o.leafIndex)}`);
  checkPathArg(what, o.path);
}

/**
 * Encodes an inclusion receipt: the checkpoint's protected header and signature, and the RFC 9162
 * inclusion proof of one leaf. The path is empty only for a tree of one leaf (RFC 9162
 * `PATH(0, {d0}) = {}`; RFC 9942's CDDL says `[+ bstr]`, see docs/receipts.md).
 *
 * @throws ReceiptError ERR_RECEIPT_BAD_ARGUMENT
 * @example
 *   const path = await inclusionProof(store, leafIndex, treeSize);
 *   const receipt = encodeInclusionReceipt({ protectedHeader, signature, treeSize, leafIndex, path });
 */
export function encodeInclusionReceipt(o: {
  protectedHeader: Uint8Array;
  signature: Uint8Array;
  treeSize: number;
  leafIndex: number;
  path: readonly Uint8Array[];
}): Uint8Array {
  checkInclusion('inclusion receipt', o);
  return encodeReceipt(o.protectedHeader, o.signature, ProofType.inclusion, o.treeSize, o.leafIndex, o.path);
}

/**
 * {@link encodeInclusionReceipt} for several leaves under one checkpoint (a batch's), the same
 * bytes each, as views into one buffer: one ArrayBuffer for the batch instead of one per receipt
 * (≈ 2–4 µs of CPU each to allocate and free: docs/benchmarks.md, #17 seventeenth pass). The
 * buffer lives as long as any of the receipts.
 *
 * @throws ReceiptError ERR_RECEIPT_BAD_ARGUMENT
 */
export function encodeInclusionReceipts(o: {
  protectedHeader: Uint8Array;
  signature: Uint8Array;
  treeSize: number;
  proofs: readonly { leafIndex: number; path: readonly Uint8Array[] }[];
}): Uint8Array[] {
  let size = 0;
  for (const p of o.proofs) {
    checkInclusion('inclusion receipt', { ...o, ...p });
    size += o.protectedHeader.length + o.signature.length + proofSize(o.treeSize, p.leafIndex, p.path) + 32;
  }
  const w = new CborWriter(size);
  const ends = o.proofs.map((p) => {
    writeReceipt(w, o.protectedHeader, o.signature, ProofType.inclusion, o.treeSize, p.leafIndex, p.path);
    return w.length;
  });
  const all = w.finish();
  return ends.map((end, i) => all.subarray(i === 0 ? 0 : ends[i - 1], end));
}

/**
 * Encodes a consistency receipt: the protected header and signature of the checkpoint of
 * `size2`, and the RFC 9162 consistency proof from `size1` to `size2`.
 *
 * @throws ReceiptError ERR_RECEIPT_BAD_ARGUMENT
 * @example
 *   const path = await consistencyProof(store, oldSize, newSize);
 *   const receipt = encodeConsistencyReceipt({ ...checkpointOf(newSize), size1: oldSize, size2: newSize, path });
 */
export function encodeConsistencyReceipt(o: {
  protectedHeader: Uint8Array;
  signature: Uint8Array;
  size1: number;
  size2: number;
  path: readonly Uint8Array[];
}): Uint8Array {
  const what = 'consistency receipt';
  checkSignedParts(what, o.protectedHeader, o.signature);
  if (!isSize(o.size1) || o.size1 === 0) badArg(what, `size1 must be a positive safe integer, got ${String(o.size1)}`);
  if (!isSize(o.size2) || o.size2 < o.size1) badArg(what, `size2 must be a safe integer not below size1, got ${String(o.size2)}`);
  checkPathArg(what, o.path);
  return encodeReceipt(o.protectedHeader, o.signature, ProofType.consistency, o.size1, o.size2, o.path);
}

/** Decodes one `bstr .cbor [uint, uint, [* bstr]]` proof. */
function decodeProof(bytes: unknown, where: string): [number, number, Uint8Array[]] {
  if (!(bytes instanceof Uint8Array)) malformed(`${where} is not a bstr`);
  let v: unknown;
  try {
    v = decodeCbor(bytes, { mapsAsMaps: true });
  } catch (e) {
    malformed(`${where}: ${messageOf(e)}`, e);
  }
  if (!Array.isArray(v) || v.length !== 3) malformed(`${where} is not an array of 3 elements`);
  const [a, b, path] = v as unknown[];
  if (!isSize(a) || !isSize(b)) malformed(`${where}: sizes and indices must be unsigned integers below 2^53`);
  if (!Array.isArray(path)) malformed(`${where}: the path is not an array`);
  path.forEach((h: unknown, i: number) => {
    if (!(h instanceof Uint8Array) || h.length !== ROOT_SIZE) malformed(`${where}: path[${i}] is not a ${ROOT_SIZE}-byte bstr`);
  });
  return [a, b, path as Uint8Array[]];
}

function decodeProofs(vdp: Map<unknown, unknown>, type: number, name: string): [number, number, Uint8Array[]][] | undefined {
  const list = vdp.get(type);
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.length === 0) malformed(`the ${name} proofs (396 / ${type}) are not a non-empty array`);
  return list.map((p: unknown, i: number) => decodeProof(p, `${name} proof ${i}`));
}

/**
 * Decodes an RFC 9942 RFC9162_SHA256 receipt strictly: a tagged COSE_Sign1 (strict CBOR, no
 * trailing bytes), payload nil, protected alg (int) and kid (bstr), vds 395 = 1, CWT claims
 * type-checked, `crit` limited to the labels above, unprotected 396 holding only -1 and/or -2,
 * each a non-empty array of `bstr .cbor [uint, uint, [* 32-byte bstr]]`. Does not verify.
 *
 * @throws ReceiptError ERR_RECEIPT_MALFORMED (cause: the CoseError), ERR_RECEIPT_ATTACHED_PAYLOAD, ERR_RECEIPT_VDS
 * @example
 *   const r = decodeReceipt(bytes);
 *   r.inclusion?.[0].treeSize; r.iss;
 */
export function decodeReceipt(bytes: Uint8Array): DecodedReceipt {
  let sign1: CoseSign1;
  try {
    sign1 = decodeSign1(bytes, { maxSize: MAX_RECEIPT_SIZE });
  } catch (e) {
    malformed(messageOf(e), e);
  }
  if (!sign1.tagged) malformed('a receipt must carry COSE_Sign1 tag 18');
  if (sign1.payload !== null) {
    throw new ReceiptError(ReceiptErrorCode.AttachedPayload, 'couldn\'t accept receipt: its payload must be nil (the Merkle root is detached), not a bstr');
  }
  const ph = sign1.protectedHeader;
  const vds = ph.get(HeaderLabel.vds);
  if (vds !== VDS_RFC9162_SHA256) {
    const why = vds === undefined ? (sign1.unprotectedHeader.has(HeaderLabel.vds) ? 'vds (395) is not protected' : 'vds (395) is missing') : `vds ${String(vds)} is not RFC9162_SHA256 (1)`;
    throw new ReceiptError(ReceiptErrorCode.Vds, `couldn't accept receipt: ${why}`);
  }
  let alg: number;
  let claims: ReturnType<typeof getCwtClaims>;
  try {
    alg = getAlg(ph);
    checkCrit(ph, UNDERSTOOD_LABELS);
    claims = getCwtClaims(ph);
  } catch (e) {
    if (!(e instanceof CoseError)) throw e;
    malformed(messageOf(e), e);
  }
  const kid = ph.get(HeaderLabel.kid);
  if (!(kid instanceof Uint8Array)) malformed('kid (4) is missing from the protected header');
  const vdp = sign1.unprotectedHeader.get(HeaderLabel.vdp);
  if (!(vdp instanceof Map)) malformed('the unprotected header has no verifiable data proofs (396)');
  for (const k of vdp.keys()) {
    if (k !== ProofType.inclusion && k !== ProofType.consistency) malformed(`unknown proof type ${String(k)} in 396 (only -1 inclusion, -2 consistency)`);
  }
  const inc = decodeProofs(vdp, ProofType.inclusion, 'inclusion');
  const con = decodeProofs(vdp, ProofType.consistency, 'consistency');
  if (!inc && !con) malformed('396 holds no proof');
  return {
    sign1,
    alg,
    kid,
    vds,
    ...(claims.iss !== undefined && { iss: claims.iss }),
    ...(claims.sub !== undefined && { sub: claims.sub }),
    ...(claims.iat !== undefined && { iat: claims.iat }),
    ...(inc && { inclusion: inc.map(([treeSize, leafIndex, path]) => ({ treeSize, leafIndex, path })) }),
    ...(con && { consistency: con.map(([size1, size2, path]) => ({ size1, size2, path })) }),
  };
}
