/**
 * The service's log as an operator gets it (`node dist/src/main.js`, stdout not a terminal):
 * JSON lines, LOG_LEVEL honoured, the request id on the lines written while serving a request
 * (the command handler's included), and no statement bytes or request headers in any line.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.js';
import { register } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf } from '../support/statements.js';

const root = new URL('../../..', import.meta.url).pathname;
const main = join(root, 'dist/src/main.js');

describe('structured logs (pino)', () => {
  let dataDir: string;
  let child: ChildProcess;
  let out = '';
  let url: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'scitt-logs-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [main], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'debug', LOG_FORMAT: 'json', LOG_ID: 'logs', SERVICE_ISSUER: 'https://ledger.test' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}:\n${out}`);
      if (i > 600) throw new Error(`the service did not start:\n${out}`);
      try {
        if ((await fetch(`${url}/health`)).ok) break;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes JSON lines carrying the request id into the command handler, and never the statement or the headers', async () => {
    const issuer = await makeIssuer('https://ci.logs.example');
    const statement = await signStatement(issuer, { sub: subjectOf(7), x5chain: issuer.certificate });
    const res = await register(url, statement, { 'x-request-id': 'req-logs-1', authorization: 'Bearer secret-token-xyz' });
    assert.equal(res.status, 201);
    const bad = await register(url, new Uint8Array([0xa0]), { 'x-request-id': 'req-logs-2' });
    assert.equal(bad.status, 400);
    // the processors' thread logs too: the claim's subject is in no registry nor the layout, so its
    // publication waits for it and the publisher warns (from that thread) — wait for that line
    for (let i = 0; i < 200 && !out.includes('"thread":"processors"'); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));

    const lines = out.split('\n').filter((l) => l !== '');
    const records = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return assert.fail(`not a JSON line: ${l}`);
      }
    });
    for (const r of records) {
      assert.ok(['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(r.level as string), `level ${String(r.level)}`);
      assert.match(String(r.time), /^\d{4}-\d\d-\d\dT/);
    }
    assert.ok(records.some((r) => /listening on/.test(String(r.msg)) && r.context === 'ledger'));
    // the handler's line, written inside the command, carries the request's id
    assert.ok(records.some((r) => r.reqId === 'req-logs-1' && r.context === 'register' && /registered at index 0/.test(String(r.msg))), 'the command handler logs with the request id');
    assert.ok(records.some((r) => r.reqId === 'req-logs-1' && r.route === '/entries' && r.status === 201), 'the request line');
    assert.ok(records.some((r) => r.reqId === 'req-logs-2' && r.context === 'http' && /400 /.test(String(r.msg))), 'the refusal, with its request id');
    // processors' thread lines are JSON too, marked with their thread
    assert.ok(records.some((r) => r.thread === 'processors'), "lines from the processors' thread");

    const hex = Buffer.from(statement).toString('hex');
    const b64 = Buffer.from(statement).toString('base64');
    const b64url = Buffer.from(statement).toString('base64url');
    for (const needle of [hex.slice(40, 104), b64.slice(40, 104), b64url.slice(40, 104), 'secret-token-xyz', 'Bearer']) {
      assert.ok(!out.includes(needle), `the log holds ${needle}`);
    }
  });

  it('refuses an unknown LOG_FORMAT with one clear line', () => {
    const r = spawnSync(process.execPath, [main], { env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_FORMAT: 'xml' }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /LOG_FORMAT="xml" is not valid: expected json, pretty or auto/);
  });
});
