/**
 * Start the real ledger service in-process (Nest + Fastify on a loopback port, embedded SQLite
 * stores in a temporary data directory) and talk to it over real HTTP.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCbor, decodeCoseKeySet, type CoseKey } from '../../libs/cose/src/index.js';
import { loadConfig } from '../../src/infrastructure/config.js';
import { createLedgerApp, type LedgerApp } from '../../src/ledger.app.js';

export interface TestLedger extends LedgerApp {
  readonly dataDir: string;
  /** close, then start again on the same data directory (a new port) */
  restart(): Promise<TestLedger>;
  /** close and delete the data directory */
  destroy(): Promise<void>;
}

export interface StartOptions {
  readonly dataDir?: string;
  /** a policy document (written to a file and passed as POLICY_FILE); omitted = development policy */
  readonly policy?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}

export async function startLedger(o: StartOptions = {}): Promise<TestLedger> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'scitt-ledger-'));
  let policyFile: string | undefined;
  if (o.policy) {
    policyFile = join(dataDir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(o.policy, null, 2));
  }
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    SERVICE_ISSUER: 'https://ledger.test',
    LOG_ID: 'test-log',
    ...(policyFile ? { POLICY_FILE: policyFile } : {}),
    ...o.env,
  };
  const app = await createLedgerApp(loadConfig(env));
  const self: TestLedger = {
    ...app,
    dataDir,
    close: app.close,
    restart: async () => {
      await app.close();
      return startLedger({ ...o, dataDir });
    },
    destroy: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return self;
}

export async function register(url: string, statement: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/entries`, { method: 'POST', body: statement, headers: { 'content-type': 'application/cose', ...headers }, redirect: 'manual' });
}

export async function serviceKeys(url: string): Promise<CoseKey[]> {
  const res = await fetch(`${url}/.well-known/scitt-keys`);
  if (res.status !== 200) throw new Error(`keys: HTTP ${res.status}`);
  return decodeCoseKeySet(new Uint8Array(await res.arrayBuffer()));
}

/** Decode an RFC 9290 problem-details body: {-1: title, -2: detail, code}. */
export async function problemOf(res: Response): Promise<{ title: string; detail: string; code: string; contentType: string | null }> {
  const body = decodeCbor(new Uint8Array(await res.arrayBuffer())) as Map<number | string, unknown>;
  return { title: body.get(-1) as string, detail: body.get(-2) as string, code: body.get('code') as string, contentType: res.headers.get('content-type') };
}
