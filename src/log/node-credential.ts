/**
 * The node credential of a cluster (docs/operations.md, "The hand-over"): how the leader knows that
 * a hand-over of an admitted entry comes from a node of the cluster, not from a client.
 *
 * Every node reads the same secret from NODE_SECRET_FILE (one secret a line, ≥ 32 bytes each; the
 * first signs, any verifies — so a secret is rotated by adding the new one second on every node,
 * then moving it first, then removing the old one). A hand-over carries one header,
 *
 *     scitt-node-auth: v1 node=<node id> ts=<ms since epoch> kid=<issuer kid> policy=<sha-256 hex> mac=<base64url>
 *
 * where `mac` is HMAC-SHA-256 over `scitt-handover-v1 \n node \n ts \n kid \n policy \n
 * SHA-256(body) hex`: the body (the entry bytes) and every claim about it are bound to the secret.
 * The leader recomputes the MAC and compares in constant time, and refuses a `ts` more than
 * {@link NODE_AUTH_WINDOW_MS} from its own clock. So without the secret nothing passes; a captured
 * request replayed within the window can only hand over the same entry, which a node already
 * admitted (the leader answers it with the same receipt: registration is idempotent).
 *
 * The node id is a claim of whoever holds the secret (every node holds the same one): it names the
 * sender in logs, it does not separate nodes from each other.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const NODE_AUTH = 'scitt-node-auth';
/** The leader's internal hand-over endpoint (only a node of several mounts it). */
export const HANDOVER_ROUTE = '/_cluster/entries';
/** A hand-over's timestamp may be this far from the leader's clock, either way. */
export const NODE_AUTH_WINDOW_MS = 30_000;
/** A secret line must have at least this many bytes. */
export const NODE_SECRET_MIN_BYTES = 32;

/** What a hand-over claims about its entry, bound by the MAC. */
export interface HandoverClaims {
  readonly nodeId: string;
  /** the issuer key the sender verified the signature with (`hex` or `x5t:<hex>`) */
  readonly kid: string;
  /** SHA-256 hex of the registration policy the sender admitted the entry under */
  readonly policyDigest: string;
}

/** What both ends of a hand-over need: the cluster's credential and the digest of this node's policy. */
export interface HandoverSettings {
  readonly credential: NodeCredential;
  readonly policyDigest: string;
}

/** The Nest injection token of the {@link HandoverSettings}. */
export const HANDOVER = Symbol.for('scitt-ledger.HandoverSettings');

const HEADER = /^v1 node=([A-Za-z0-9._:-]{1,64}) ts=([0-9]{1,15}) kid=((?:x5t:)?[0-9a-f]{2,1024}) policy=([0-9a-f]{64}) mac=([A-Za-z0-9_-]{43})$/;

export class NodeAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeAuthError';
  }
}

export class NodeCredential {
  private constructor(private readonly secrets: readonly Buffer[]) {}

  /** Reads NODE_SECRET_FILE; throws a message naming what is wrong (never the secret). */
  static fromFile(path: string): NodeCredential {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`couldn't read NODE_SECRET_FILE ${path}: ${(err as Error).message}`, { cause: err });
    }
    return NodeCredential.fromText(text, path);
  }

  static fromText(text: string, what = 'the node secret'): NodeCredential {
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
    if (lines.length === 0) throw new Error(`couldn't use ${what}: it holds no secret (one a line, at least ${NODE_SECRET_MIN_BYTES} bytes; e.g. openssl rand -base64 48)`);
    const short = lines.findIndex((l) => Buffer.byteLength(l) < NODE_SECRET_MIN_BYTES);
    if (short >= 0) throw new Error(`couldn't use ${what}: secret line ${short + 1} is shorter than ${NODE_SECRET_MIN_BYTES} bytes (e.g. openssl rand -base64 48)`);
    return new NodeCredential(lines.map((l) => Buffer.from(l, 'utf8')));
  }

  /** The header a hand-over of `body` carries. */
  sign(claims: HandoverClaims, body: Uint8Array, now: number): string {
    const ts = String(Math.floor(now));
    const mac = this.mac(this.secrets[0]!, claims, ts, body).toString('base64url');
    return `v1 node=${claims.nodeId} ts=${ts} kid=${claims.kid} policy=${claims.policyDigest} mac=${mac}`;
  }

  /**
   * Before the body is read: the header's form and its time (cheap refusals).
   * @returns the parsed header, for {@link verify}
   */
  precheck(header: string | string[] | undefined, now: number): { claims: HandoverClaims; ts: string; mac: Buffer } {
    if (typeof header !== 'string') throw new NodeAuthError(`a hand-over needs one ${NODE_AUTH} header`);
    const m = HEADER.exec(header);
    if (!m) throw new NodeAuthError(`the ${NODE_AUTH} header is not valid: expected v1 node=… ts=… kid=… policy=… mac=…`);
    const [, nodeId, ts, kid, policyDigest, mac] = m as unknown as [string, string, string, string, string, string];
    const skew = Math.abs(now - Number(ts));
    if (skew > NODE_AUTH_WINDOW_MS) throw new NodeAuthError(`the hand-over's time is ${skew} ms from this node's clock (at most ${NODE_AUTH_WINDOW_MS} ms)`);
    return { claims: { nodeId, kid, policyDigest }, ts, mac: Buffer.from(mac, 'base64url') };
  }

  /** The whole check, once the body is read: returns the claims the MAC binds, or throws {@link NodeAuthError}. */
  verify(header: string | string[] | undefined, body: Uint8Array, now: number): HandoverClaims {
    const { claims, ts, mac } = this.precheck(header, now);
    // Every secret is tried (no early exit), each compared in constant time.
    let ok = false;
    for (const s of this.secrets) ok = timingSafeEqual(this.mac(s, claims, ts, body), mac) || ok;
    if (!ok) throw new NodeAuthError('the hand-over is not signed with this cluster\'s node secret (NODE_SECRET_FILE)');
    return claims;
  }

  private mac(secret: Buffer, c: HandoverClaims, ts: string, body: Uint8Array): Buffer {
    const bodyHash = createHash('sha256').update(body).digest('hex');
    return createHmac('sha256', secret).update(`scitt-handover-v1\n${c.nodeId}\n${ts}\n${c.kid}\n${c.policyDigest}\n${bodyHash}`).digest();
  }
}
