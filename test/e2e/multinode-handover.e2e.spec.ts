/**
 * The hand-over (issue #16; docs/operations.md, "The hand-over"): real service processes
 * (NODE_ROLE=auto) on one real PostgreSQL schema, loopback HTTP.
 *  - submitter authentication on a node of several: a token-authenticated submitter registers
 *    through a follower (which verified it; the leader sequenced it without verifying again);
 *    without a token the follower answers 401 and nothing is appended;
 *  - the leader's internal `POST /_cluster/entries` refuses whatever lacks the node credential
 *    (401), bad entries (400), another policy (409), oversize bodies (413), appending nothing; a
 *    replayed hand-over only re-submits the same entry (same receipt, no new entry); a follower
 *    refuses hand-overs (503); a single node has no such endpoint (404).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dropSchema, needPostgres, sql, testSchema } from '../../libs/event-store/test/postgres.fixture.js';
import { entryIdOf, toEntry, verifyReceipt } from '../../libs/receipt/src/index.js';
import { createApiToken } from '../../src/auth/api-tokens.store.js';
import { HANDOVER_ROUTE, NODE_AUTH, NodeCredential } from '../../src/log/node-credential.js';
import { Cluster, type ClusterNode } from '../support/cluster.js';
import { problemOf, serviceKeys } from '../support/ledger.js';
import { spawnService, waitFor } from '../support/service-process.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

const skip = await needPostgres();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('the hand-over: followers verify, the leader sequences (node-authenticated)', { skip, timeout: 240_000 }, () => {
  const schema = testSchema('handover');
  const submitter = createApiToken();
  let issuer: TestIssuer;
  let cluster: Cluster;
  let leader: ClusterNode;
  let follower: ClusterNode;
  let credential: NodeCredential;
  let policyDigest: string;
  let n = 7000;
  const bearer = { authorization: `Bearer ${submitter.token}` };
  const entries = async (): Promise<number> => (await sql(`SELECT count(*)::int AS n FROM "${schema}".events WHERE type = 'EntryRegistered'`)).rows[0]!.n as number;
  const statement = (): Promise<Uint8Array> => signStatement(issuer, { sub: subjectOf(++n) });
  const handOver = (to: ClusterNode, body: Uint8Array, header?: string, extra: Record<string, string> = {}): Promise<Response> =>
    fetch(`${to.proc.url}${HANDOVER_ROUTE}`, { method: 'POST', body, headers: { 'content-type': 'application/cose', ...(header === undefined ? {} : { [NODE_AUTH]: header }), ...extra }, redirect: 'manual' });
  const signed = (body: Uint8Array, o: { digest?: string; at?: number; cred?: NodeCredential } = {}): string =>
    (o.cred ?? credential).sign({ nodeId: 'intruder-or-node', kid: hex(issuer.kid), policyDigest: o.digest ?? policyDigest }, body, o.at ?? Date.now());
  async function refused(res: Response, status: number, code: string | RegExp): Promise<void> {
    const p = await problemOf(res);
    assert.equal(res.status, status, `${p.code}: ${p.detail}`);
    if (typeof code === 'string') assert.equal(p.code, code, p.detail);
    else assert.match(p.code, code, p.detail);
  }

  before(async () => {
    issuer = await makeIssuer('https://ci.handover.example');
    const tmp = mkdtempSync(join(tmpdir(), 'scitt-handover-'));
    const tokensFile = join(tmp, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ version: 1, tokens: [{ name: 'ci', sha256: submitter.sha256 }] }));
    cluster = new Cluster(schema, issuer, { AUTH_TOKENS_FILE: tokensFile });
    const first = await cluster.spawn('h1');
    await cluster.ready(first);
    leader = await cluster.leader();
    follower = await cluster.spawn('h2');
    await cluster.ready(follower);
    assert.equal(leader.id, 'h1', 'the node alone on the store leads');
    credential = NodeCredential.fromFile(cluster.secretFile);
    const { rows } = await sql(`SELECT data FROM "${schema}".events WHERE type = 'PolicyChanged'`);
    policyDigest = (JSON.parse(Buffer.from(rows[0]!.data as Buffer).toString('utf8')) as { digest: string }).digest;
  });
  after(async () => {
    await cluster?.stop();
    await dropSchema(schema);
  });

  it('a token-authenticated submitter registers through the follower; without a token: 401 on the follower, nothing appended', async () => {
    const s = await statement();
    const res = await fetch(`${follower.proc.url}/entries`, { method: 'POST', body: s, headers: { 'content-type': 'application/cose', ...bearer } });
    assert.equal(res.status, 201, res.status === 201 ? '' : (await problemOf(res)).detail);
    const receipt = new Uint8Array(await res.arrayBuffer());
    const entryId = res.headers.get('location')!.split('/').pop()!;
    assert.equal(entryId, entryIdOf(toEntry(s).entry));
    await verifyReceipt(receipt, s, await serviceKeys(leader.proc.url), { expectedIssuer: 'https://ledger.test', expectedLogId: 'cluster-log' });
    const onLeader = await fetch(`${leader.proc.url}/entries/${entryId}`, { headers: bearer });
    assert.deepEqual(new Uint8Array(await onLeader.arrayBuffer()), receipt, 'the leader serves the same receipt bytes');
    const details = (await (await fetch(`${follower.proc.url}/health/details`)).json()) as { node: { role: string; forwarded: number } };
    assert.equal(details.node.role, 'follower');
    assert.equal(details.node.forwarded, 1, 'it went through the follower\'s hand-over');

    const before = await entries();
    const other = await statement();
    await refused(await fetch(`${follower.proc.url}/entries`, { method: 'POST', body: other, headers: { 'content-type': 'application/cose' } }), 401, 'ERR_UNAUTHENTICATED');
    await refused(await fetch(`${follower.proc.url}/entries`, { method: 'POST', body: other, headers: { 'content-type': 'application/cose', authorization: 'Bearer scitt_not-a-token' } }), 401, 'ERR_TOKEN_INVALID');
    assert.equal(await entries(), before, 'nothing appended');
    assert.equal((await fetch(`${leader.proc.url}/entries/${entryIdOf(toEntry(other).entry)}`, { headers: bearer })).status, 404);
  });

  it('the internal endpoint refuses whatever lacks the node credential, and bad or foreign entries, appending nothing', async () => {
    const before = await entries();
    const entry = toEntry(await statement()).entry;
    const good = signed(entry);
    await refused(await handOver(leader, entry), 401, 'ERR_NODE_UNAUTHENTICATED');
    await refused(await handOver(leader, entry, undefined, bearer), 401, 'ERR_NODE_UNAUTHENTICATED'); // a submitter's token does not open it
    await refused(await handOver(leader, entry, 'v1 node=x ts=1 mac=AAAA'), 401, 'ERR_NODE_UNAUTHENTICATED');
    await refused(await handOver(leader, entry, signed(entry, { cred: NodeCredential.fromText('z'.repeat(48)) })), 401, 'ERR_NODE_UNAUTHENTICATED');
    await refused(await handOver(leader, entry, signed(entry, { at: Date.now() - 31_000 })), 401, 'ERR_NODE_UNAUTHENTICATED');
    await refused(await handOver(leader, entry, signed(entry, { at: Date.now() + 31_000 })), 401, 'ERR_NODE_UNAUTHENTICATED');
    const other = toEntry(await statement()).entry;
    await refused(await handOver(leader, other, good), 401, 'ERR_NODE_UNAUTHENTICATED'); // a captured header on another body
    await refused(await handOver(leader, entry, good.replace(/kid=\S+/, `kid=${'ab'.repeat(32)}`)), 401, 'ERR_NODE_UNAUTHENTICATED'); // a claim changed
    // With the credential: what the leader still checks itself.
    const garbage = Uint8Array.from([0xd2, 0x84, 0xff, 0x00, 0x13]);
    await refused(await handOver(leader, garbage, signed(garbage)), 400, /^ERR_/);
    const statementBytes = await signStatement(issuer, { sub: subjectOf(++n), unprotected: new Map([[99, 'not part of an entry']]) });
    await refused(await handOver(leader, statementBytes, signed(statementBytes)), 400, 'ERR_HANDOVER_NOT_AN_ENTRY');
    await refused(await handOver(leader, entry, signed(entry, { digest: 'ee'.repeat(32) })), 409, 'ERR_NODE_POLICY_MISMATCH');
    const huge = new Uint8Array(1024 * 1024 + 1024);
    assert.equal((await handOver(leader, huge, signed(huge))).status, 413);
    await refused(await handOver(follower, entry, good), 503, 'ERR_NOT_LEADER');
    assert.equal(await entries(), before, 'nothing appended');
  });

  it('a replayed hand-over only re-submits the same entry: the same receipt, no new entry', async () => {
    const s = await statement();
    const entry = toEntry(s).entry;
    const header = signed(entry); // what a follower sent, captured
    const before = await entries();
    const first = await handOver(leader, entry, header);
    assert.equal(first.status, 201);
    const receipt = new Uint8Array(await first.arrayBuffer());
    await verifyReceipt(receipt, s, await serviceKeys(leader.proc.url), { expectedIssuer: 'https://ledger.test', expectedLogId: 'cluster-log' });
    for (let i = 0; i < 3; i++) {
      const again = await handOver(leader, entry, header);
      assert.equal(again.status, 201);
      assert.deepEqual(new Uint8Array(await again.arrayBuffer()), receipt);
    }
    assert.equal(await entries(), before + 1, 'one entry');
  });

  it('the leader does not verify a handed-over signature again (what the node credential is trusted with)', async () => {
    const s = await statement();
    const forged = Uint8Array.from(s);
    forged[forged.length - 1] ^= 0x01; // the signature's last byte
    const entry = toEntry(forged).entry;
    await refused(await fetch(`${leader.proc.url}/entries`, { method: 'POST', body: forged, headers: { 'content-type': 'application/cose', ...bearer } }), 400, 'ERR_COSE_SIGNATURE_INVALID');
    const res = await handOver(leader, entry, signed(entry));
    assert.equal(res.status, 201, 'sequenced on the credential alone: only nodes may hold NODE_SECRET_FILE');
  });

  it('a single node has no hand-over endpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scitt-handover-single-'));
    const single = await spawnService(dir);
    try {
      await waitFor(single);
      const entry = toEntry(await statement()).entry;
      const res = await fetch(`${single.url}${HANDOVER_ROUTE}`, { method: 'POST', body: entry, headers: { 'content-type': 'application/cose', [NODE_AUTH]: signed(entry) } });
      assert.equal(res.status, 404);
    } finally {
      await single.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
