/**
 * What the explorer trusts, and how it checks everything else: the service keys are fetched once
 * per browser session and pinned (sessionStorage); every receipt, checkpoint and consistency
 * proof the page shows is verified here with libs/receipt on the @noble backends — never taken
 * from the service's word.
 */
import {
  coseKeyThumbprint,
  decodeCoseKeySet,
  decodeSign1,
  nobleBackend,
  toHex,
  verifySign1,
  type CoseKey,
  type CoseSign1,
} from '../../libs/cose/src/index.js';
import { nobleMerkleHasher } from '../../libs/merkle/src/index.js';
import { bytesEqual } from '../../libs/merkle/src/merkle.hasher.js';
import {
  decodeReceipt,
  entryIdOf,
  resolveServiceKey,
  splitTransparentStatement,
  verifyConsistencyReceipt,
  verifyReceipt,
  type DecodedReceipt,
  type VerifiedReceipt,
} from '../../libs/receipt/src/index.js';
import { getBytes, getJson } from './api.js';

/** The browser backends every verification uses. */
export const BROWSER = { backend: nobleBackend, hasher: nobleMerkleHasher } as const;

export interface PinnedKeys {
  readonly keys: CoseKey[];
  /** RFC 9679 thumbprints (hex), one per key */
  readonly thumbprints: string[];
  readonly pinnedAt: string;
  /** hex of the key set as fetched */
  readonly raw: string;
}

const STORAGE_KEY = 'scitt-explorer.keys';
let pinned: Promise<PinnedKeys> | undefined;

function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function pin(raw: Uint8Array, pinnedAt: string): PinnedKeys {
  const keys = decodeCoseKeySet(raw);
  return { keys, thumbprints: keys.map((k) => toHex(coseKeyThumbprint(k))), pinnedAt, raw: toHex(raw) };
}

/** The pinned service keys: from this session's storage, else fetched once and stored. */
export function serviceKeys(): Promise<PinnedKeys> {
  pinned ??= (async () => {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    if (stored) {
      try {
        const { raw, pinnedAt } = JSON.parse(stored) as { raw: string; pinnedAt: string };
        return pin(fromHex(raw), pinnedAt);
      } catch {
        sessionStorage.removeItem(STORAGE_KEY);
      }
    }
    const raw = await getBytes('/.well-known/scitt-keys', 'application/cbor');
    const keys = pin(raw, new Date().toISOString());
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ raw: keys.raw, pinnedAt: keys.pinnedAt }));
    return keys;
  })();
  pinned.catch(() => (pinned = undefined));
  return pinned;
}

/** Forgets the pinned keys (after a key rotation): the next verification fetches them again. */
export function unpinKeys(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  pinned = undefined;
}

/** One check of a verification, as shown to the user. */
export interface Check {
  readonly label: string;
  /** false fails the verification; a check that could not be made here is `ok` and `skipped` */
  readonly ok: boolean;
  readonly detail: string;
  readonly skipped?: boolean;
}

export interface EntryVerification {
  readonly ok: boolean;
  readonly checks: Check[];
  readonly receipt?: DecodedReceipt;
  readonly verified?: VerifiedReceipt;
  readonly entry?: Uint8Array;
  readonly statement?: CoseSign1;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Verifies an entry from its bytes: the transparent statement is the entry the id names, and
 * the receipt (served separately) proves its inclusion under a checkpoint a pinned key signed.
 * `embedded` receipts of the transparent statement are verified too.
 */
export async function verifyEntry(entryId: string, transparentStatement: Uint8Array, receipt: Uint8Array): Promise<EntryVerification> {
  const checks: Check[] = [];
  const { keys } = await serviceKeys();
  let entry: Uint8Array;
  let statement: CoseSign1;
  let embedded: Uint8Array[];
  try {
    ({ entry, statement, receipts: embedded } = splitTransparentStatement(transparentStatement));
    const id = entryIdOf(entry);
    const same = id === entryId;
    checks.push({ label: 'Entry id', ok: same, detail: same ? `SHA-256 of the entry is ${id}` : `the statement hashes to ${id}, not the requested ${entryId}` });
    if (!same) return { ok: false, checks, entry, statement };
  } catch (e) {
    checks.push({ label: 'Statement', ok: false, detail: `couldn't decode the transparent statement: ${messageOf(e)}` });
    return { ok: false, checks };
  }
  let decoded: DecodedReceipt | undefined;
  let verified: VerifiedReceipt | undefined;
  try {
    decoded = decodeReceipt(receipt);
    verified = await verifyReceipt(receipt, entry, keys, BROWSER);
    checks.push({
      label: 'Receipt',
      ok: true,
      detail: `leaf ${verified.leafIndex} of a tree of ${verified.treeSize}: the inclusion path leads to root ${toHex(verified.root)}, signed by pinned key ${toHex(verified.kid)}`,
    });
  } catch (e) {
    checks.push({ label: 'Receipt', ok: false, detail: messageOf(e) });
  }
  for (const [i, r] of embedded.entries()) {
    try {
      const v = await verifyReceipt(r, entry, keys, BROWSER);
      checks.push({ label: `Embedded receipt ${i + 1}`, ok: true, detail: `leaf ${v.leafIndex} of ${v.treeSize}, kid ${toHex(v.kid)}` });
    } catch (e) {
      checks.push({ label: `Embedded receipt ${i + 1}`, ok: false, detail: messageOf(e) });
    }
  }
  return { ok: checks.every((c) => c.ok), checks, ...(decoded && { receipt: decoded }), ...(verified && { verified }), entry, statement };
}

/** Fetches and verifies an entry's receipt (`GET /entries/{id}`) and transparent statement. */
export async function fetchAndVerifyEntry(entryId: string): Promise<EntryVerification & { receiptBytes?: Uint8Array; statementBytes?: Uint8Array }> {
  let statementBytes: Uint8Array;
  let receiptBytes: Uint8Array;
  try {
    [statementBytes, receiptBytes] = await Promise.all([getBytes(`/entries/${entryId}/statement`, 'application/scitt-statement+cose, application/cose'), getBytes(`/entries/${entryId}`)]);
  } catch (e) {
    return { ok: false, checks: [{ label: 'Fetch', ok: false, detail: messageOf(e) }] };
  }
  return { ...(await verifyEntry(entryId, statementBytes, receiptBytes)), receiptBytes, statementBytes };
}

export interface VerifiedCheckpoint {
  readonly treeSize: number;
  readonly root: Uint8Array;
  readonly kid: Uint8Array;
  readonly iat?: number;
  readonly sign1: CoseSign1;
}

/**
 * Fetches a checkpoint as COSE (`GET /checkpoints/{size|latest}`, root attached) and verifies its
 * signature with the pinned key its kid names. The tree size is the JSON view's (RFC 9942 signs
 * the root alone); consistency proofs bind sizes to roots.
 */
export async function verifiedCheckpoint(size: number | 'latest', treeSize?: number): Promise<VerifiedCheckpoint> {
  const { keys } = await serviceKeys();
  const bytes = await getBytes(`/checkpoints/${size}`);
  const sign1 = decodeSign1(bytes);
  const kid = sign1.protectedHeader.get(4);
  if (!(kid instanceof Uint8Array)) throw new Error("couldn't verify the checkpoint: its protected header has no kid");
  const key = resolveServiceKey(keys, kid);
  if (!key) throw new Error(`couldn't verify the checkpoint: kid ${toHex(kid)} is not a pinned service key`);
  if (!(sign1.payload instanceof Uint8Array) || sign1.payload.length !== 32) throw new Error("couldn't verify the checkpoint: its payload is not a 32-byte root");
  await verifySign1(sign1, key, { backend: nobleBackend, requireProtectedAlg: true, crit: [395] });
  const claims = sign1.protectedHeader.get(15);
  const iat = claims instanceof Map ? (claims.get(6) as number | undefined) : undefined;
  return { treeSize: typeof size === 'number' ? size : (treeSize ?? NaN), root: sign1.payload, kid, ...(iat !== undefined && { iat }), sign1 };
}

export interface LatestInclusion {
  readonly check: Check;
  readonly receipt?: DecodedReceipt;
  readonly verified?: VerifiedReceipt;
}

/**
 * The entry's inclusion in the latest checkpoint: an inclusion receipt signed by that checkpoint
 * (`GET /proofs/inclusion?entry=…&treeSize=N`, COSE), verified here, whose root must be the
 * root of checkpoint N (verified separately).
 */
export async function verifyLatestInclusion(entryId: string, entry: Uint8Array): Promise<LatestInclusion> {
  const label = 'Inclusion in the latest checkpoint';
  try {
    const { keys } = await serviceKeys();
    const latest = await getJson<{ treeSize: number }>('/checkpoints/latest');
    const [bytes, cp] = await Promise.all([getBytes(`/proofs/inclusion?entry=${entryId}&treeSize=${latest.treeSize}`), verifiedCheckpoint(latest.treeSize)]);
    const verified = await verifyReceipt(bytes, entry, keys, BROWSER);
    if (!bytesEqual(verified.root, cp.root)) throw new Error(`the proof leads to root ${toHex(verified.root)}, not checkpoint ${latest.treeSize}'s ${toHex(cp.root)}`);
    return { check: { label, ok: true, detail: `leaf ${verified.leafIndex} of ${verified.treeSize}: the path leads to the signed root of checkpoint ${latest.treeSize}` }, receipt: decodeReceipt(bytes), verified };
  } catch (e) {
    return { check: { label, ok: false, detail: messageOf(e) } };
  }
}

export interface ConsistencyResult {
  readonly ok: boolean;
  readonly checks: Check[];
  readonly root1?: string;
  readonly root2?: string;
}

/**
 * Checks in the browser that the log at `to` extends the log at `from`: both checkpoints'
 * signatures, and the consistency receipt from the older root to a newer root the service
 * signed, which must be the newer checkpoint's root.
 */
export async function checkConsistency(from: number, to: number): Promise<ConsistencyResult> {
  const checks: Check[] = [];
  const step = async <T>(label: string, f: () => Promise<[T, string]>): Promise<T | undefined> => {
    try {
      const [v, detail] = await f();
      checks.push({ label, ok: true, detail });
      return v;
    } catch (e) {
      checks.push({ label, ok: false, detail: messageOf(e) });
      return undefined;
    }
  };
  const a = await step(`Checkpoint ${from}`, async () => {
    const c = await verifiedCheckpoint(from);
    return [c, `root ${toHex(c.root)}, signature by pinned key ${toHex(c.kid)} verified`];
  });
  const b = await step(`Checkpoint ${to}`, async () => {
    const c = await verifiedCheckpoint(to);
    return [c, `root ${toHex(c.root)}, signature by pinned key ${toHex(c.kid)} verified`];
  });
  if (!a || !b) return { ok: false, checks };
  const { keys } = await serviceKeys();
  const proof = await step(`Consistency ${from} → ${to}`, async () => {
    const receipt = await getBytes(`/proofs/consistency?from=${from}&to=${to}`);
    const v = await verifyConsistencyReceipt(receipt, a.root, keys, { ...BROWSER, expectedSize1: from });
    if (v.size2 !== to) throw new Error(`the proof ends at size ${v.size2}, not ${to}`);
    if (!bytesEqual(v.root2, b.root)) throw new Error(`the proof leads to root ${toHex(v.root2)}, not checkpoint ${to}'s root ${toHex(b.root)}`);
    const n = decodeReceipt(receipt).consistency?.[0]?.path.length ?? 0;
    return [v, `${n} hashes lead from the root at ${from} to the root at ${to}; the service's signature over it verified`];
  });
  return { ok: proof !== undefined, checks, root1: toHex(a.root), root2: toHex(b.root) };
}

/** Verified receipts of claims shown in lists, cached by entry id for the page's life. */
const claimChecks = new Map<string, Promise<EntryVerification>>();

/** Verifies a listed claim's receipt (its transparent statement's); cached. */
export function verifyClaim(entryId: string): Promise<EntryVerification> {
  let p = claimChecks.get(entryId);
  if (!p) {
    p = (async () => {
      try {
        const ts = await getBytes(`/entries/${entryId}/statement`, 'application/scitt-statement+cose, application/cose');
        const receipt = await getBytes(`/entries/${entryId}`);
        return await verifyEntry(entryId, ts, receipt);
      } catch (e) {
        return { ok: false, checks: [{ label: 'Fetch', ok: false, detail: messageOf(e) }] };
      }
    })();
    claimChecks.set(entryId, p);
  }
  return p;
}
