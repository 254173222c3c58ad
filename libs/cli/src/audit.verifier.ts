/**
 * The audit of a ledger (rekor-cli / a CT monitor's job): replay the log, recompute the RFC 9162
 * tree, check every entry against its id and metadata, every checkpoint's root against the
 * recomputed tree and its signature against the service keys, consistency proofs between
 * successive checkpoints, and consistency with the checkpoint verified on the previous run (a
 * fork or rollback fails loudly). Snapshot semantics: the audit covers the log up to the latest
 * checkpoint read at the start.
 */
import {
  bytesEqual,
  CwtClaim,
  decodeProtectedHeader,
  decodeSign1,
  getAlg,
  HeaderLabel,
  nodeCryptoBackend,
  toHex,
  getCwtClaims,
  payloadContentType,
  type CoseKey,
} from '../../cose/src/index.js';
import { CompactRange, emptyRoot, hashLeaf, nodeSha256, verifyConsistency } from '../../merkle/src/index.js';
import { checkpointToBeSigned, entryIdOf, statementIdOf, VDS_RFC9162_SHA256 } from '../../receipt/src/index.js';
import type { AuditCheckpoint, AuditEntry, AuditSource } from './audit.source.js';
import type { AuditState } from './audit.state.js';

/** Which consistency proofs to ask the ledger for. */
export type ProofMode = 'all' | 'latest' | 'none';

export interface AuditOptions {
  /** The service keys checkpoints must be signed with (lookup by kid hex). */
  keyFor: (kidHex: string) => CoseKey | undefined;
  /** The previous run's state (remembered checkpoint and tree edge), if any. */
  previous?: AuditState;
  /** Replay from index 0 even when a previous state allows resuming. */
  full?: boolean;
  proofs?: ProofMode;
  /** Page size for entries and checkpoints (≤ 1000). */
  pageSize?: number;
  /** Stop collecting after this many problems (default 50). */
  maxProblems?: number;
  progress?: (s: string) => void;
}

export interface AuditReport {
  ok: boolean;
  logId?: string;
  issuer?: string;
  /** First index replayed this run. */
  from: number;
  /** The audited tree size (the latest checkpoint at the start). */
  treeSize: number;
  root: string;
  entriesChecked: number;
  checkpointsChecked: number;
  proofsChecked: number;
  problems: string[];
  /**
   * Entries of this run that register a statement an earlier entry of this run already registered
   * (the same signed content with a re-encoded signature: docs/receipts.md "Statement identity").
   * The ledger answers such a submission with the first entry since statement identity; a log
   * written before may hold some. Not a failure — consumers treat both as one statement — but told.
   */
  duplicates: { index: number; firstIndex: number; statementId: string }[];
  /** The state to remember when ok. */
  next?: AuditState;
}

class TooManyProblems extends Error {}

/** Stands for "no checkpoint yet": size 0, the empty root. */
const EMPTY_LOG: AuditCheckpoint = { treeSize: 0, root: emptyRoot(), signedAt: '', kid: '', protectedHeader: new Uint8Array(), signature: new Uint8Array() };

/** Runs the audit; never throws for a finding (they are `problems`), only for service errors. */
export async function auditLog(src: AuditSource, o: AuditOptions): Promise<AuditReport> {
  const problems: string[] = [];
  const max = o.maxProblems ?? 50;
  const problem = (p: string): void => {
    problems.push(p);
    if (problems.length >= max) throw new TooManyProblems();
  };
  const pageSize = Math.min(o.pageSize ?? 1000, 1000);
  const progress = o.progress ?? (() => {});
  const prev = o.previous;
  const latest = (await src.latest()) ?? EMPTY_LOG;
  const resume = prev !== undefined && !o.full && prev.treeSize <= latest.treeSize;
  const range = resume ? CompactRange.fromState({ size: prev.range.size, hashes: prev.range.hashes.map((h) => Buffer.from(h, 'hex')) }) : new CompactRange();
  const report: AuditReport = { ok: false, from: range.size, treeSize: latest.treeSize, root: toHex(latest.root), entriesChecked: 0, checkpointsChecked: 0, proofsChecked: 0, problems, duplicates: [] };
  let logId = prev?.logId;
  let issuer = prev?.issuer;
  try {
    if (prev && latest.treeSize < prev.treeSize) problem(`ROLLBACK/FORK: the latest checkpoint has tree size ${latest.treeSize}, smaller than the ${prev.treeSize} verified on ${prev.verifiedAt}`);

    // Checkpoints up to the latest, from the remembered size on (that one included, to compare it).
    const cps: AuditCheckpoint[] = [];
    let after: number | string = resume ? Math.max(prev.treeSize - 1, 0) : 0;
    for (;;) {
      const p = await src.checkpoints(after, pageSize);
      cps.push(...p.items.filter((c) => c.treeSize <= latest.treeSize));
      if (p.next === null || p.items.length === 0 || p.items.some((c) => c.treeSize >= latest.treeSize)) break;
      after = p.next;
    }
    const bySize = new Map<number, AuditCheckpoint>();
    let lastSize = -1;
    for (const cp of cps) {
      if (cp.treeSize <= lastSize) problem(`checkpoint list out of order: size ${cp.treeSize} after ${lastSize}`);
      lastSize = Math.max(lastSize, cp.treeSize);
      if (bySize.has(cp.treeSize)) problem(`FORK: two checkpoints for tree size ${cp.treeSize}`);
      bySize.set(cp.treeSize, cp);
    }
    const listedLatest = bySize.get(latest.treeSize);
    if (latest.treeSize > 0 && !listedLatest) problem(`the latest checkpoint (size ${latest.treeSize}) is not in the checkpoint list`);
    else if (listedLatest && !bytesEqual(listedLatest.root, latest.root)) problem(`FORK: /checkpoints/latest and /checkpoints disagree on the root at size ${latest.treeSize}`);

    // Signatures and header claims of every checkpoint.
    for (const cp of cps) {
      const r = await checkCheckpoint(cp, o.keyFor);
      report.checkpointsChecked++;
      if (r.problem) problem(r.problem);
      if (r.logId !== undefined) {
        if (logId === undefined) logId = r.logId;
        else if (r.logId !== logId) problem(`checkpoint ${cp.treeSize} is for log ${JSON.stringify(r.logId)}, not ${JSON.stringify(logId)}`);
      }
      if (r.issuer !== undefined) {
        if (issuer === undefined) issuer = r.issuer;
        else if (r.issuer !== issuer) problem(`checkpoint ${cp.treeSize} is issued by ${JSON.stringify(r.issuer)}, not ${JSON.stringify(issuer)}`);
      }
    }
    if (prev && resume) {
      const again = bySize.get(prev.treeSize);
      if (again && toHex(again.root) !== prev.root) problem(`FORK: the checkpoint at size ${prev.treeSize} now has root ${toHex(again.root)}; on ${prev.verifiedAt} it was ${prev.root}`);
    }

    // Replay the entries and compare the recomputed roots with the checkpoints.
    let next: number | null = range.size;
    const firstOfStatement = new Map<string, number>();
    const checkRoot = (): void => {
      const cp = bySize.get(range.size);
      const root = range.root();
      if (cp && !bytesEqual(cp.root, root)) problem(`checkpoint at size ${range.size} has root ${toHex(cp.root)}, but the entries give ${toHex(root)} (an entry or the checkpoint was altered)`);
      if (prev && range.size === prev.treeSize && toHex(root) !== prev.root) problem(`FORK: the log's first ${prev.treeSize} entries now give root ${toHex(root)}; on ${prev.verifiedAt} the verified root was ${prev.root}`);
    };
    while (next !== null && range.size < latest.treeSize) {
      const p = await src.entries(range.size, Math.min(pageSize, latest.treeSize - range.size));
      if (p.items.length === 0) break;
      for (const e of p.items) {
        if (range.size >= latest.treeSize) break;
        if (e.index !== range.size) {
          problem(`log replay: expected entry ${range.size}, got ${e.index} (a gap or reordering)`);
          throw new TooManyProblems();
        }
        const statementId = checkEntry(e, problem);
        if (statementId !== undefined) {
          const first = firstOfStatement.get(statementId);
          if (first === undefined) firstOfStatement.set(statementId, e.index);
          else report.duplicates.push({ index: e.index, firstIndex: first, statementId });
        }
        range.append(hashLeaf(e.entry));
        report.entriesChecked++;
        checkRoot();
      }
      progress(`${range.size} of ${latest.treeSize} entries checked`);
      next = p.next;
    }
    if (range.size < latest.treeSize) problem(`the log has ${range.size} entries, but its latest checkpoint says ${latest.treeSize}`);
    if (latest.treeSize === 0) checkRoot();

    // Consistency proofs between successive checkpoints (and from the remembered one).
    if ((o.proofs ?? 'all') !== 'none') {
      const chain: { size: number; root: Uint8Array }[] = [];
      if (prev && resume && prev.treeSize > 0) chain.push({ size: prev.treeSize, root: Buffer.from(prev.root, 'hex') });
      const sorted = [...bySize.values()].filter((c) => c.treeSize > 0).sort((a, b) => a.treeSize - b.treeSize);
      const all = sorted.map((c) => ({ size: c.treeSize, root: c.root }));
      const wanted = o.proofs === 'latest' ? (chain.length ? all.slice(-1) : [all[0], all[all.length - 1]].filter((x) => x !== undefined)) : all;
      for (const c of wanted) if (!chain.some((x) => x.size === c.size)) chain.push(c);
      chain.sort((a, b) => a.size - b.size);
      for (let i = 1; i < chain.length; i++) {
        const a = chain[i - 1]!;
        const b = chain[i]!;
        const proof = await src.consistency(a.size, b.size);
        report.proofsChecked++;
        try {
          verifyConsistency(a.size, b.size, proof.path, a.root, b.root);
        } catch (e) {
          problem(`${prev && a.size === prev.treeSize ? 'FORK: ' : ''}the ledger's consistency proof from size ${a.size} to ${b.size} does not verify against the roots we checked: ${(e as Error).message}`);
        }
      }
      progress(`${report.proofsChecked} consistency proof(s) checked`);
    }
  } catch (e) {
    if (!(e instanceof TooManyProblems)) throw e;
    if (problems.length >= max) problems.push(`(stopped after ${max} problems)`);
  }
  report.ok = problems.length === 0;
  if (logId !== undefined) report.logId = logId;
  if (issuer !== undefined) report.issuer = issuer;
  if (report.ok) {
    const st = range.state();
    report.next = {
      version: 1,
      treeSize: latest.treeSize,
      root: toHex(latest.root),
      signedAt: latest.signedAt,
      ...(logId !== undefined ? { logId } : {}),
      ...(issuer !== undefined ? { issuer } : {}),
      range: { size: st.size, hashes: st.hashes.map(toHex) },
      verifiedAt: '',
    };
  }
  return report;
}

/**
 * Checks one entry: id = SHA-256(entry), a COSE_Sign1 with an empty unprotected header, metadata =
 * its header. Returns its statement id (undefined when it is not a COSE_Sign1 with a payload).
 */
function checkEntry(e: AuditEntry, problem: (p: string) => void): string | undefined {
  const id = entryIdOf(e.entry, nodeSha256);
  if (id !== e.entryId) problem(`entry ${e.index}: its bytes hash to ${id}, not its entry id ${e.entryId} (the entry was altered)`);
  try {
    const s = decodeSign1(e.entry);
    if (!s.tagged) problem(`entry ${e.index}: not tagged COSE_Sign1 (18)`);
    if (s.unprotectedHeader.size !== 0) problem(`entry ${e.index}: the unprotected header is not empty`);
    const claims = getCwtClaims(s.protectedHeader);
    if (claims.iss !== e.iss) problem(`entry ${e.index}: listed with iss ${JSON.stringify(e.iss)}, but its header says ${JSON.stringify(claims.iss)}`);
    if (claims.sub !== e.sub) problem(`entry ${e.index}: listed with sub ${JSON.stringify(e.sub)}, but its header says ${JSON.stringify(claims.sub)}`);
    const ct = payloadContentType(s.protectedHeader);
    if (ct !== undefined && ct !== e.contentType) problem(`entry ${e.index}: listed with content type ${JSON.stringify(e.contentType)}, but its header says ${JSON.stringify(ct)}`);
    return s.payload === null ? undefined : statementIdOf(s, nodeSha256);
  } catch (err) {
    problem(`entry ${e.index}: not a valid COSE_Sign1: ${(err as Error).message}`);
    return undefined;
  }
}

/** Checks a checkpoint's header and signature; returns its log id and issuer. */
async function checkCheckpoint(cp: AuditCheckpoint, keyFor: AuditOptions['keyFor']): Promise<{ problem?: string; logId?: string; issuer?: string }> {
  const at = `checkpoint at size ${cp.treeSize}`;
  let header;
  try {
    header = decodeProtectedHeader(cp.protectedHeader);
  } catch (e) {
    return { problem: `${at}: the protected header is not valid CBOR: ${(e as Error).message}` };
  }
  const kid = header.get(HeaderLabel.kid);
  const kidHex = kid instanceof Uint8Array ? toHex(kid) : '';
  const claims = header.get(HeaderLabel.cwtClaims);
  const logId = claims instanceof Map ? (claims.get(CwtClaim.sub) as string | undefined) : undefined;
  const issuer = claims instanceof Map ? (claims.get(CwtClaim.iss) as string | undefined) : undefined;
  const ids = { ...(typeof logId === 'string' ? { logId } : {}), ...(typeof issuer === 'string' ? { issuer } : {}) };
  if (header.get(HeaderLabel.vds) !== VDS_RFC9162_SHA256) return { ...ids, problem: `${at}: the verifiable data structure (395) is not RFC9162_SHA256` };
  if (kidHex !== cp.kid.toLowerCase()) return { ...ids, problem: `${at}: listed with kid ${cp.kid}, but its header names ${kidHex || 'no kid'}` };
  const key = keyFor(kidHex);
  if (!key) return { ...ids, problem: `${at}: signed with unknown key ${kidHex} (not among the service keys)` };
  return { ...ids, ...(await verifyCheckpointSignature(cp, header, key, at)) };
}

async function verifyCheckpointSignature(cp: AuditCheckpoint, header: Map<number | string, unknown>, key: CoseKey, at: string): Promise<{ problem?: string }> {
  let alg: number;
  try {
    alg = getAlg(header);
  } catch (e) {
    return { problem: `${at}: ${(e as Error).message}` };
  }
  if (cp.root.length !== 32) return { problem: `${at}: the root is ${cp.root.length} bytes, not 32` };
  try {
    const ok = await nodeCryptoBackend.verify(alg, key, checkpointToBeSigned(cp.protectedHeader, cp.root), cp.signature);
    return ok ? {} : { problem: `FORGED: ${at}: the signature does not verify over root ${toHex(cp.root)} with service key ${toHex(key.kid ?? new Uint8Array())}` };
  } catch (e) {
    return { problem: `${at}: the signature can't be checked: ${(e as Error).message}` };
  }
}
