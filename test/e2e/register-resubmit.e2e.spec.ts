/**
 * A `303` is not durable (docs/api.md, "Durability of 303"): a ledger that crashes after
 * answering 303 and before sequencing the statement answers 404 for the Location once it is back.
 * `scitt register --wait` then sends the statement again by itself. The crash is injected by a
 * proxy in front of the real ledger that answers the first POST with a 303 and drops the statement
 * (what the crash does); everything else goes to the real service, whose 404 is real.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { entryIdOf, toEntry } from '../../libs/receipt/src/index.js';
import { cliSandbox, runScitt, show } from '../../libs/cli/test/cli.runner.js';
import { startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf } from '../support/statements.js';

/** Forwards to `target`, except that the first `lose` POSTs /entries get a 303 and are dropped. */
async function losingProxy(target: string, lose: number): Promise<{ url: string; server: Server; posts: number[] }> {
  const posts: number[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.method === 'POST' && req.url === '/entries' && posts.length < lose) {
      posts.push(303);
      const id = entryIdOf(toEntry(new Uint8Array(body)).entry);
      res.writeHead(303, { location: `/entries/${id}`, 'retry-after': '1' }).end();
      return;
    }
    const upstream = await fetch(target + req.url, {
      method: req.method,
      headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => ['content-type', 'accept', 'prefer'].includes(k)) as [string, string][]),
      body: req.method === 'POST' ? body : undefined,
      redirect: 'manual',
    });
    if (req.method === 'POST') posts.push(upstream.status);
    const headers: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (['content-type', 'location', 'retry-after'].includes(k)) headers[k] = v;
    });
    res.writeHead(upstream.status, headers).end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return { url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, server, posts };
}

describe('scitt register --wait after a lost 303', () => {
  let ledger: TestLedger;
  const servers: Server[] = [];
  const box = cliSandbox('scitt-resubmit-');

  before(async () => {
    ledger = await startLedger();
  });
  after(async () => {
    for (const s of servers) s.close();
    await ledger?.destroy();
  });

  it('resubmits the statement when its Location answers 404, and gets the receipt', async () => {
    const proxy = await losingProxy(ledger.url, 1);
    servers.push(proxy.server);
    const issuer = await makeIssuer('https://ci.resubmit.example');
    const file = join(box.dir, 'claim.cose');
    writeFileSync(file, await signStatement(issuer, { sub: subjectOf(1), x5chain: issuer.certificate }));
    const r = await runScitt(['register', file, '--ledger', proxy.url, '--wait', '--timeout', '30s', '--receipt', join(box.dir, 'r.cose'), '-o', 'json'], { env: box.env, cwd: box.dir });
    assert.equal(r.code, 0, show(r));
    assert.equal(JSON.parse(r.stdout).status, 'registered');
    assert.match(r.stderr, /no longer knows entry .*registering it again/);
    assert.deepEqual(proxy.posts, [303, 201], 'the first POST was lost, the resubmission registered');
    assert.equal(ledger.sequencer.size, 1, 'one entry');
  });

  it('without --wait a lost 303 stays pending (the CLI says how to fetch the receipt); receipt get then reports the 404', async () => {
    const proxy = await losingProxy(ledger.url, 1);
    servers.push(proxy.server);
    const issuer = await makeIssuer('https://ci.resubmit2.example');
    const file = join(box.dir, 'claim2.cose');
    writeFileSync(file, await signStatement(issuer, { sub: subjectOf(2), x5chain: issuer.certificate }));
    const r = await runScitt(['register', file, '--ledger', proxy.url, '-o', 'json'], { env: box.env, cwd: box.dir });
    assert.equal(r.code, 0, show(r));
    const out = JSON.parse(r.stdout) as { status: string; entryId: string };
    assert.equal(out.status, 'pending');
    const g = await runScitt(['receipt', 'get', out.entryId, '--ledger', proxy.url], { env: box.env, cwd: box.dir });
    assert.notEqual(g.code, 0);
    assert.match(g.stderr, /404/);
  });
});
