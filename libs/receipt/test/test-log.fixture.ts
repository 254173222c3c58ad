/**
 * A small real log for tests: real keys (node or noble backend), real signed statements, a real
 * RFC 9162 tree (libs/merkle CompactRange + MemoryNodeStore), real checkpoint signatures.
 */
import {
  Alg,
  CwtClaim,
  HeaderLabel,
  coseKeyThumbprint,
  publicKey,
  signSign1,
  type CoseKey,
  type CryptoBackend,
} from '../../cose/src/index.js';
import { CompactRange, MemoryNodeStore, consistencyProof, hashLeaf, inclusionProof } from '../../merkle/src/index.js';
import { encodeConsistencyReceipt, encodeInclusionReceipt, signCheckpoint, toEntry } from '../src/index.js';

export const ISSUER = 'https://ledger.example';
export const LOG_ID = 'log-main';
export const STATEMENT_ISSUER = 'did:web:ci.example';

export interface Checkpoint {
  treeSize: number;
  root: Uint8Array;
  protectedHeader: Uint8Array;
  signature: Uint8Array;
}

/** A signing identity: private key, its public half, and its RFC 9679 kid. */
export interface Identity {
  key: CoseKey;
  pub: CoseKey;
  kid: Uint8Array;
  alg: number;
}

export async function makeIdentity(backend: CryptoBackend, alg: number = Alg.ES256): Promise<Identity> {
  const key = await backend.generateKey(alg);
  const kid = coseKeyThumbprint(key);
  return { key, pub: { ...publicKey(key), kid }, kid, alg };
}

/** A signed statement about `sub`, with an optional unprotected header. */
export async function makeStatement(
  issuer: Identity,
  backend: CryptoBackend,
  sub: string,
  payload: Uint8Array = new TextEncoder().encode(`{"claim":"${sub}"}`),
  unprotected: Map<number | string, unknown> = new Map(),
): Promise<Uint8Array> {
  return signSign1({
    protectedHeader: new Map<number | string, unknown>([
      [HeaderLabel.alg, issuer.alg],
      [HeaderLabel.kid, issuer.kid],
      [HeaderLabel.contentType, 'application/json'],
      [HeaderLabel.cwtClaims, new Map([[CwtClaim.iss, STATEMENT_ISSUER], [CwtClaim.sub, sub]])],
    ]),
    unprotectedHeader: unprotected,
    payload,
    key: issuer.key,
    backend,
  });
}

/** An append-only log that signs a checkpoint per batch, as the sequencer does. */
export class TestLog {
  readonly range = new CompactRange();
  readonly store = new MemoryNodeStore();
  readonly entries: Uint8Array[] = [];
  readonly checkpoints = new Map<number, Checkpoint>();

  constructor(
    readonly service: Identity,
    readonly backend: CryptoBackend,
    private iat = 1_767_225_600,
  ) {}

  /** Appends statements as one batch and signs one checkpoint for the new size. */
  async appendBatch(statements: readonly Uint8Array[]): Promise<Checkpoint> {
    for (const s of statements) {
      const { entry } = toEntry(s);
      this.entries.push(entry);
      this.range.append(hashLeaf(entry), this.store.onNode);
    }
    const root = this.range.root();
    const cp = await signCheckpoint({
      root,
      issuer: ISSUER,
      logId: LOG_ID,
      iat: this.iat++,
      alg: this.service.alg,
      kid: this.service.kid,
      sign: (tbs) => this.backend.sign(this.service.alg, this.service.key, tbs),
    });
    const checkpoint = { treeSize: this.range.size, root, ...cp };
    this.checkpoints.set(this.range.size, checkpoint);
    return checkpoint;
  }

  /** The receipt for leaf `leafIndex` at the checkpoint of `treeSize` (default: latest). */
  async receipt(leafIndex: number, treeSize = this.range.size): Promise<Uint8Array> {
    const cp = this.checkpoints.get(treeSize);
    if (!cp) throw new Error(`no checkpoint at size ${treeSize}`);
    const path = await inclusionProof(this.store, leafIndex, treeSize);
    return encodeInclusionReceipt({ protectedHeader: cp.protectedHeader, signature: cp.signature, treeSize, leafIndex, path });
  }

  /** The consistency receipt from `size1` to `size2`, signed by the checkpoint of `size2`. */
  async consistencyReceipt(size1: number, size2: number): Promise<Uint8Array> {
    const cp = this.checkpoints.get(size2);
    if (!cp) throw new Error(`no checkpoint at size ${size2}`);
    const path = await consistencyProof(this.store, size1, size2);
    return encodeConsistencyReceipt({ protectedHeader: cp.protectedHeader, signature: cp.signature, size1, size2, path });
  }
}
