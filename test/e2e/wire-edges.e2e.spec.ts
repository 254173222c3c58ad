/**
 * The edges of the wire contract (issue 12, part 4), against the real service over real sockets:
 * answers produced below the application (Node's HTTP parser, Fastify's router) are RFC 9290
 * problem details too; strict query parameters; untagged COSE_Sign1 gives the same entry as
 * tagged; the read rate limit (a budget separate from registrations'); no absolute server path
 * in any answer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { decodeCbor } from '../../libs/cose/src/index.js';
import { LedgerClient } from '../../libs/cli/src/ledger.client.js';
import { problemOf, register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Writes `data` on a fresh connection, reads until the server closes (or `waitMs`), parses one HTTP/1.1 answer. */
function rawRequest(url: string, data: string | Buffer, waitMs = 5000): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(chunks);
      const headEnd = all.indexOf('\r\n\r\n');
      if (headEnd < 0) return reject(new Error(`no HTTP answer: ${JSON.stringify(all.toString('latin1').slice(0, 200))}`));
      const [statusLine, ...lines] = all.subarray(0, headEnd).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length'] ?? all.length - headEnd - 4);
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: all.subarray(headEnd + 4, headEnd + 4 + length) });
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined); // a reset after the answer is fine: the answer is what we check
    socket.on('close', done);
    socket.write(data);
  });
}

function assertProblem(a: RawAnswer, status: number, code: string | RegExp): Map<number | string, unknown> {
  assert.equal(a.status, status, `${a.status} ${a.body.toString('latin1').slice(0, 200)}`);
  assert.equal(a.headers['content-type'], 'application/concise-problem-details+cbor', JSON.stringify(a.headers));
  const p = decodeCbor(new Uint8Array(a.body)) as Map<number | string, unknown>;
  assert.ok(p instanceof Map, 'a CBOR map');
  assert.equal(typeof p.get(-1), 'string', 'title (-1)');
  assert.ok(typeof p.get(-2) === 'string' && (p.get(-2) as string).length > 5, 'detail (-2)');
  assert.equal(p.get(-4), status, 'status (-4)');
  if (typeof code === 'string') assert.equal(p.get('code'), code);
  else assert.match(String(p.get('code')), code);
  return p;
}

const get = (path: string, headers = ''): string => `GET ${path} HTTP/1.1\r\nHost: ledger.test\r\n${headers}Connection: close\r\n\r\n`;

describe('wire edges: problem details below the application', () => {
  let ledger: TestLedger;
  let slow: TestLedger;

  before(async () => {
    ledger = await startLedger();
    slow = await startLedger({ env: { HTTP_REQUEST_TIMEOUT_MS: '1000' } });
  });
  after(async () => {
    await ledger?.destroy();
    await slow?.destroy();
  });

  const cases: { name: string; data: () => string; status: number; code: string | RegExp }[] = [
    { name: 'malformed percent-encoding in the path (/entries/%ZZ)', data: () => get('/entries/%ZZ'), status: 400, code: 'ERR_BAD_URL' },
    { name: 'malformed percent-encoding under /log', data: () => get('/log/%E0%A4%A'), status: 400, code: 'ERR_BAD_URL' },
    { name: 'a path segment longer than any id (router limit)', data: () => get('/entries/' + 'a'.repeat(300)), status: 414, code: 'ERR_URI_TOO_LONG' },
    { name: 'a request target over MAX_URL_BYTES', data: () => get('/log/entries?start=0&x=' + 'a'.repeat(9000)), status: 414, code: 'ERR_URI_TOO_LONG' },
    { name: "a request line over the parser's header limit", data: () => get('/' + 'a'.repeat(20000)), status: 414, code: 'ERR_URI_TOO_LONG' },
    { name: 'header fields over the limit', data: () => get('/log/stats', `X-Big: ${'a'.repeat(20000)}\r\n`), status: 431, code: 'ERR_HEADERS_TOO_LARGE' },
    { name: 'not HTTP at all', data: () => 'HELLO LEDGER\r\n\r\n', status: 400, code: 'ERR_HTTP_PARSE' },
    { name: 'an unknown HTTP version', data: () => 'GET /health HTTP/9.9\r\nHost: x\r\n\r\n', status: 400, code: 'ERR_HTTP_PARSE' },
    { name: 'a non-numeric Content-Length', data: () => 'POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\nContent-Length: abc\r\n\r\n', status: 400, code: 'ERR_HTTP_PARSE' },
    { name: 'Content-Length with Transfer-Encoding (request smuggling shape)', data: () => 'POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', status: 400, code: 'ERR_HTTP_PARSE' },
    { name: 'a bad chunk size', data: () => 'POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nab\r\n0\r\n\r\n', status: 400, code: 'ERR_HTTP_PARSE' },
    { name: 'a space in a header name', data: () => 'GET /health HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n', status: 400, code: 'ERR_HTTP_PARSE' },
    { name: 'an unknown route', data: () => get('/no/such/thing'), status: 404, code: 'ERR_HTTP_404' },
    { name: 'unknown query parameter on /log/stats', data: () => get('/log/stats?verbose=1'), status: 400, code: 'ERR_QUERY_PARAMETER' },
    { name: 'unknown query parameter on /entries/{id}/status', data: () => get(`/entries/${'a'.repeat(64)}/status?x=1`), status: 400, code: 'ERR_QUERY_PARAMETER' },
    { name: 'unknown query parameter on /checkpoints/latest', data: () => get('/checkpoints/latest?x=1'), status: 400, code: 'ERR_QUERY_PARAMETER' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const size = ledger.sequencer.size;
      assertProblem(await rawRequest(ledger.url, c.data()), c.status, c.code);
      assert.equal(ledger.sequencer.size, size, 'nothing appended');
    });
  }

  it('408 when the header fields do not arrive in time (HTTP_REQUEST_TIMEOUT_MS)', async () => {
    assertProblem(await rawRequest(slow.url, 'GET /health HTTP/1.1\r\nHost: x\r\n', 8000), 408, 'ERR_REQUEST_TIMEOUT');
  });

  it('408 when a registration body does not arrive in time', async () => {
    const head = 'POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\nContent-Length: 1000\r\n\r\n';
    assertProblem(await rawRequest(slow.url, head + 'd284', 8000), 408, 'ERR_REQUEST_TIMEOUT');
    assert.equal(slow.sequencer.size, 0);
  });

  it('the service still answers normally after all that', async () => {
    const res = await fetch(`${ledger.url}/health`);
    assert.equal(res.status, 200);
  });
});

describe('wire edges: statements and answers', () => {
  let ledger: TestLedger;
  let issuer: TestIssuer;

  before(async () => {
    issuer = await makeIssuer('https://ci.edges.example');
    ledger = await startLedger({ policy: { version: 1, mode: 'development', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] } });
  });
  after(async () => {
    await ledger?.destroy();
  });

  it('untagged and tagged registrations of one statement are one entry: same id, same receipt, stored tagged', async () => {
    for (const [n, untaggedFirst] of [[1, true], [2, false]] as const) {
      const tagged = await signStatement(issuer, { sub: subjectOf(100 + n) });
      assert.equal(tagged[0], 0xd2, 'signStatement emits tag 18');
      const untagged = tagged.subarray(1);
      const order = untaggedFirst ? [untagged, tagged] : [tagged, untagged];
      const a = await register(ledger.url, order[0]!);
      const b = await register(ledger.url, order[1]!);
      assert.equal(a.status, 201);
      assert.equal(b.status, 201);
      assert.equal(a.headers.get('location'), b.headers.get('location'), 'the same entry id');
      assert.deepEqual(Buffer.from(await a.arrayBuffer()), Buffer.from(await b.arrayBuffer()), 'the same receipt');
      const stmt = await fetch(`${ledger.url}${a.headers.get('location')}/statement`);
      const bytes = new Uint8Array(await stmt.arrayBuffer());
      assert.deepEqual([bytes[0], bytes[1]], [0xd2, 0x84], 'the entry is the tagged COSE_Sign1');
    }
    assert.equal(ledger.sequencer.size, 2, 'two statements, two entries');
  });

  it('a revocation payload with a duplicate key is refused, escaped or not, and nothing is appended', async () => {
    const victim = await register(ledger.url, await signStatement(issuer, { sub: subjectOf(200) }));
    assert.equal(victim.status, 201);
    const id = victim.headers.get('location')!.split('/').pop()!;
    const other = 'f'.repeat(64);
    for (const payload of [`{"revokes":["${other}"],"reason":"x","revokes":["${id}"]}`, `{"revokes":["${id}"],"reason":"x","\\u0072eason":"y"}`]) {
      const size = ledger.sequencer.size;
      const res = await register(ledger.url, await signStatement(issuer, { sub: subjectOf(200), contentType: 'application/vnd.scitt-ledger.revocation+json', payload }));
      const p = await problemOf(res);
      assert.equal(res.status, 400, p.detail);
      assert.equal(p.code, 'ERR_REVOCATION_FORMAT');
      assert.match(p.detail, /twice/);
      assert.equal(ledger.sequencer.size, size);
    }
  });

  it('/entries/{id}/publication never shows the absolute data directory', async () => {
    const res = await register(ledger.url, await signStatement(issuer, { sub: subjectOf(300) }));
    assert.equal(res.status, 201);
    const id = res.headers.get('location')!.split('/').pop()!;
    let text = '';
    for (let i = 0; i < 200; i++) {
      const r = await fetch(`${ledger.url}/entries/${id}/publication`);
      text = await r.text();
      if (r.status === 200 && !text.includes('"pending"')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const state = JSON.parse(text) as { targetKind?: string; target?: string };
    assert.equal(state.targetKind, 'oci-layout', text);
    assert.equal(state.target, 'oci-layout');
    assert.ok(!text.includes(ledger.dataDir), `no absolute path: ${text}`);
  });
});

describe('wire edges: the read rate limit is its own budget', () => {
  let ledger: TestLedger;
  let issuer: TestIssuer;

  before(async () => {
    issuer = await makeIssuer('https://ci.reads.example');
    ledger = await startLedger({ env: { READ_RATE_LIMIT_PER_MINUTE: '20' } });
  });
  after(async () => {
    await ledger?.destroy();
  });

  it('past the read budget: 429 problem details with Retry-After; /health and registrations unaffected; the CLI waits and retries', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 30 && !limited; i++) {
      const r = await fetch(`${ledger.url}/checkpoints?limit=1`);
      if (r.status === 429) limited = r;
      else {
        assert.equal(r.status, 200);
        await r.arrayBuffer();
      }
    }
    assert.ok(limited, 'the 21st read within a minute is limited');
    const p = await problemOf(limited);
    assert.equal(p.code, 'ERR_RATE_LIMITED');
    assert.match(p.detail, /read rate limit/);
    assert.match(limited.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
    assert.equal((await fetch(`${ledger.url}/health`)).status, 200, 'health checks are not reads to limit');
    const reg = await register(ledger.url, await signStatement(issuer, { sub: subjectOf(1), x5chain: issuer.certificate }));
    assert.equal(reg.status, 201, 'registrations have their own budget');
    for (let i = 0; i < 30; i++) {
      const r = await fetch(`${ledger.url}/checkpoints?limit=1`); // spend what refilled meanwhile
      await r.arrayBuffer();
      if (r.status === 429) break;
    }
    const waits: number[] = [];
    const client = new LedgerClient(ledger.url, { sleep: (ms) => (waits.push(ms), new Promise((r) => setTimeout(r, ms))) });
    const page = await client.json<{ items: unknown[] }>('checkpoints?limit=1', 'list checkpoints');
    assert.equal(page.items.length, 1);
    assert.ok(waits.length >= 1 && waits.every((w) => w >= 1000), `the client waited ${JSON.stringify(waits)}`);
  });
});

describe('wire edges: shutting down', () => {
  it('a request that arrives while the service closes gets a 503 problem, not Fastify\'s JSON', async () => {
    const ledger = await startLedger();
    const { hostname, port } = new URL(ledger.url);
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined);
    const ended = new Promise((r) => socket.on('close', r));
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // A registration whose body is still arriving keeps the connection busy while the service closes …
    socket.write('POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\nContent-Length: 20\r\n\r\n0123456789');
    await sleep(200);
    const closing = ledger.destroy();
    await sleep(200);
    // … then the body completes, and a second request follows on the same connection.
    socket.write('0123456789GET /log/stats HTTP/1.1\r\nHost: x\r\n\r\n');
    await Promise.race([ended, sleep(5000)]);
    socket.destroy();
    await closing;
    const text = Buffer.concat(chunks).toString('latin1');
    const answers = text.split(/(?=HTTP\/1\.1 \d{3} )/).filter(Boolean);
    assert.equal(answers.length, 2, text.slice(0, 500));
    assert.match(answers[0]!, /^HTTP\/1\.1 400 /, 'the registration itself was answered (garbage body)');
    assert.match(answers[1]!, /^HTTP\/1\.1 503 /);
    const second = Buffer.concat(chunks).subarray(Buffer.concat(chunks).lastIndexOf('HTTP/1.1 503'));
    const headEnd = second.indexOf('\r\n\r\n');
    assert.match(second.subarray(0, headEnd).toString('latin1'), /content-type: application\/concise-problem-details\+cbor/i);
    const p = decodeCbor(new Uint8Array(second.subarray(headEnd + 4))) as Map<number | string, unknown>;
    assert.equal(p.get('code'), 'ERR_SHUTTING_DOWN');
  });
});
