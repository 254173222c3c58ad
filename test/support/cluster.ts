/**
 * Several real service processes on one PostgreSQL schema (NODE_ROLE=auto): start, find the
 * leader, kill, restart; and clients that keep registering through any node.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POSTGRES_TEST_URL, sql } from '../../libs/event-store/test/postgres.fixture.js';
import { spawnService, waitFor, type ServiceProcess } from './service-process.js';
import type { TestIssuer } from './statements.js';

export interface ClusterNode {
  readonly id: string;
  readonly dataDir: string;
  proc: ServiceProcess;
  /** log lines of earlier runs of this node (before a restart) */
  earlier: string;
}

export interface NodeDetails {
  readonly node: { id: string; role: string; leader: { id: string; url: string } | null; lag?: { events: number; ms: number } };
  readonly log: { size: number };
}

export class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'scitt-cluster-'));
  /** the nodes' shared NODE_SECRET_FILE (the hand-over's node credential) */
  readonly secretFile = join(this.dir, 'node-secret');
  readonly nodes: ClusterNode[] = [];
  private readonly env: Record<string, string>;

  constructor(schema: string, issuer: TestIssuer, extra: Record<string, string> = {}) {
    const keyFile = join(this.dir, 'service-key.pem');
    writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(this.secretFile, `${randomBytes(48).toString('base64')}\n`, { mode: 0o600 });
    const policyFile = join(this.dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify({ version: 1, mode: 'production', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] }));
    this.env = {
      EVENT_STORE: 'postgres',
      POSTGRES_URL: POSTGRES_TEST_URL,
      POSTGRES_SCHEMA: schema,
      NODE_ROLE: 'auto',
      SERVICE_KEY_FILE: keyFile,
      POLICY_FILE: policyFile,
      NODE_SECRET_FILE: this.secretFile,
      LOG_ID: 'cluster-log',
      LOG_LEVEL: 'info',
      LEASE_TTL_MS: '2000',
      LEASE_RETRY_MS: '100',
      PROCESSOR_THREAD: 'main',
      ...extra,
    };
  }

  /** Spawns node `id` (a new one, or a restart on its data directory); does not wait. */
  async spawn(id: string): Promise<ClusterNode> {
    let node = this.nodes.find((n) => n.id === id);
    const dataDir = node?.dataDir ?? join(this.dir, id);
    mkdirSync(dataDir, { recursive: true });
    const proc = await spawnService(dataDir, { ...this.env, NODE_ID: id });
    if (node) {
      node.earlier += node.proc.stdout() + node.proc.stderr();
      node.proc = proc;
    } else {
      node = { id, dataDir, proc, earlier: '' };
      this.nodes.push(node);
    }
    return node;
  }

  /**
   * Waits until node `n` answers /health/live; one that does not in time fails with {@link diagnosis}.
   * (Its port cannot be taken by an outgoing connection before it listens: freePort picks outside
   * the kernel's ephemeral ports, test/support/ports.ts.)
   */
  async ready(n: ClusterNode, ms = 60_000): Promise<void> {
    try {
      await waitFor(n.proc, '/health/live', 200, ms);
    } catch (err) {
      throw new Error(`node ${n.id} (${n.proc.url}): ${(err as Error).message}\n${await this.diagnosis()}`, { cause: err });
    }
  }

  alive(): ClusterNode[] {
    return this.nodes.filter((n) => n.proc.child.exitCode === null && n.proc.child.signalCode === null);
  }

  async details(n: ClusterNode): Promise<NodeDetails | undefined> {
    try {
      const res = await fetch(`${n.proc.url}/health/details`, { signal: AbortSignal.timeout(5000) });
      return res.status === 200 ? ((await res.json()) as NodeDetails) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The node that says it leads, among `among` (default: the live ones); waits up to `ms`. */
  async leader(ms = 15_000, among?: ClusterNode[]): Promise<ClusterNode> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      for (const n of among ?? this.alive()) if ((await this.details(n))?.node.role === 'leader') return n;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no node leads after ${ms} ms: ${JSON.stringify(await Promise.all(this.alive().map((n) => this.details(n))))}\n${await this.diagnosis()}`);
  }

  /** What a failed wait prints: the database's lease sessions and locks, and each node's last log lines. */
  async diagnosis(): Promise<string> {
    const sessions = await sql(
      `SELECT a.pid, a.application_name, a.state, a.wait_event_type, a.wait_event, now() - a.state_change AS in_state, left(a.query, 120) AS query,
              (SELECT string_agg(k.locktype || ':' || k.mode || (CASE WHEN k.granted THEN '' ELSE ' (waiting)' END), ', ') FROM pg_locks k WHERE k.pid = a.pid AND k.locktype IN ('advisory', 'transactionid')) AS locks
         FROM pg_stat_activity a WHERE a.application_name LIKE 'scitt-ledger%' OR a.pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory')`,
    ).then((r) => JSON.stringify(r.rows), (err: unknown) => `(couldn't read pg_stat_activity: ${(err as Error).message})`);
    const tails = this.nodes.map((n) => `--- ${n.id} (last lines)\n${this.output(n).split('\n').slice(-25).join('\n')}`);
    return [`sessions: ${sessions}`, ...tails].join('\n');
  }

  /** Everything node `n` logged (all its runs). */
  output(n: ClusterNode): string {
    return n.earlier + n.proc.stdout() + n.proc.stderr();
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) {
      n.proc.child.kill('SIGCONT');
      await n.proc.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Ack {
  readonly entryId: string;
  readonly receipt: Uint8Array;
  readonly statement: Uint8Array;
  readonly via: string;
}

/**
 * POSTs `statement` to node `pick(attempt)` until a 201 (retrying 503s, 303s and refused
 * connections — a killed node — on another node), for at most `ms`.
 */
export async function registerSomewhere(statement: Uint8Array, pick: (attempt: number) => ClusterNode, ms = 60_000): Promise<Ack> {
  const end = Date.now() + ms;
  let last = '';
  for (let attempt = 0; Date.now() < end; attempt++) {
    const n = pick(attempt);
    try {
      const res = await fetch(`${n.proc.url}/entries`, { method: 'POST', body: statement, headers: { 'content-type': 'application/cose' }, redirect: 'manual', signal: AbortSignal.timeout(20_000) });
      const body = new Uint8Array(await res.arrayBuffer());
      if (res.status === 201) return { entryId: res.headers.get('location')!.split('/').pop()!, receipt: body, statement, via: n.id };
      if (res.status !== 503 && res.status !== 303) throw new Error(`node ${n.id} answered ${res.status}: ${new TextDecoder().decode(body).slice(0, 300)}`);
      last = `${n.id}: ${res.status}`;
    } catch (err) {
      if ((err as Error).message.startsWith(`node ${n.id} answered`)) throw err;
      last = `${n.id}: ${(err as Error).message}`;
    }
    await new Promise((r) => setTimeout(r, Math.min(500, 20 * (attempt + 1))));
  }
  throw new Error(`no node registered the statement within ${ms} ms (last: ${last})`);
}
