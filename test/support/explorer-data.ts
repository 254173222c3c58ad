/**
 * A small, realistic log for the explorer's browser tests and screenshots: two collections with
 * SBOMs, scans and provenance from three issuers (kid ES256, kid EdDSA, x5chain), a superseded
 * claim, a revocation, a hash envelope and a bare-digest subject — registered one by one over
 * real HTTP, so the log holds several checkpoints.
 */
import { entryIdOf, toEntry } from '../../libs/receipt/src/index.js';
import { problemOf, register, startLedger, type TestLedger } from './ledger.js';
import { pushTestCollection } from './registry-collection.js';
import { registryAvailable, startRegistry, type TestRegistry } from './registry.js';
import { makeIssuer, signStatement, type StatementOptions, type TestIssuer } from './statements.js';
import { spdxJson } from './content-fixtures.js';

export const REVOCATION_TYPE = 'application/vnd.scitt-ledger.revocation+json';

const hex64 = (c: string): string => c.repeat(64).slice(0, 64);
export const BARE_DIGEST = `sha256:${hex64('d05e')}`;

export interface ExplorerData {
  readonly ledger: TestLedger;
  /** the registry the collections live in (and receive the referrers), when docker-registry is installed */
  readonly registry?: TestRegistry;
  /** the two collections: `host/acme/app@sha256:…`, `host/acme/web@sha256:…` */
  readonly app: string;
  readonly web: string;
  /** stops the service and the registry, deletes their data */
  destroy(): Promise<void>;
  readonly issuers: { alice: TestIssuer; bob: TestIssuer; carol: TestIssuer };
  /** entry ids by name */
  readonly ids: Readonly<Record<string, string>>;
}

async function registerOk(ledger: TestLedger, statement: Uint8Array): Promise<string> {
  const res = await register(ledger.url, statement);
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${JSON.stringify(await problemOf(res))}`);
  await res.arrayBuffer();
  return entryIdOf(toEntry(statement).entry);
}

/** Waits until the claims projection holds every entry of the log. */
export async function projected(ledger: TestLedger): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const s = (await (await fetch(`${ledger.url}/log/stats`)).json()) as { treeSize: number };
    if (s.treeSize === ledger.sequencer.size) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the claims projection did not catch up');
}

const sbom = (name: string, version: string, deps: string[]): string => spdxJson(`${name}/${version}`, deps);

/** Waits (up to 15 s) until the publisher pushed the entry's referrer. */
async function published(ledger: TestLedger, id: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const st = (await (await fetch(`${ledger.url}/entries/${id}/status`)).json()) as { publication: { state: string } | null };
    if (st.publication?.state === 'published') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`entry ${id} was not published as a referrer`);
}

/**
 * Starts the service with the explorer's data. With docker-registry installed the collections
 * are real images in a real registry that receives the referrers; without it they are
 * references nobody serves and publication waits (the explorer shows that state).
 */
export async function startExplorerLedger(): Promise<ExplorerData> {
  const alice = await makeIssuer('https://ci.acme.example');
  const bob = await makeIssuer('https://scanner.example', 'EdDSA');
  const carol = await makeIssuer('https://release.acme.example');
  const registry = registryAvailable() ? await startRegistry() : undefined;
  const app = registry ? (await pushTestCollection(registry.url, 'acme/app', { seed: 'app' })).reference : `registry.example/acme/app@sha256:${hex64('3f9a')}`;
  const web = registry ? (await pushTestCollection(registry.url, 'acme/web', { seed: 'web' })).reference : `registry.example/acme/web@sha256:${hex64('b71c')}`;
  const ledger = await startLedger({
    policy: { version: 1, mode: 'development', issuers: [{ iss: alice.iss, keys: [{ jwk: alice.jwk }] }, { iss: bob.iss, keys: [{ jwk: bob.jwk }] }] },
    env: {
      RATE_LIMIT_PER_MINUTE: '0',
      ...(registry && { OCI_REGISTRIES: `${registry.host}=http`, OCI_PUBLISH_RETRY_MIN_MS: '100', OCI_PUBLISH_RETRY_MAX_MS: '1000' }),
    },
  });
  const APP = app;
  const WEB = web;
  const ids: Record<string, string> = {};
  const reg = async (name: string, who: TestIssuer, o: StatementOptions): Promise<void> => {
    ids[name] = await registerOk(ledger, await signStatement(who, o));
  };
  try {
    await reg('sbom1', alice, { sub: APP, contentType: 'application/spdx+json', payload: sbom('app', '1.4.0', ['lodash@4.17.20', 'express@4.18.2']) });
    await reg('scan', bob, { sub: APP, contentType: 'application/vnd.example.scan+json', payload: JSON.stringify({ scanner: 'grype 0.74', findings: [{ id: 'CVE-2021-23337', severity: 'high', package: 'lodash@4.17.20' }] }) });
    await reg('web', carol, { sub: WEB, contentType: 'application/spdx+json', x5chain: carol.certificate, payload: sbom('web', '2.0.1', ['react@18.2.0']) });
    await reg('sbom2', alice, { sub: APP, contentType: 'application/spdx+json', payload: sbom('app', '1.4.1', ['lodash@4.17.21', 'express@4.18.2']) });
    await reg('provenance', bob, { sub: APP, contentType: 'application/vnd.in-toto+json', hashEnvelope: true, payload: new Uint8Array(32).fill(0x5a) });
    await reg('bare', bob, { sub: BARE_DIGEST, contentType: 'application/vnd.example.scan+json', payload: JSON.stringify({ scanner: 'grype 0.74', findings: [] }) });
    await reg('revocation', bob, {
      sub: APP,
      contentType: REVOCATION_TYPE,
      payload: JSON.stringify({ revokes: [ids.scan], reason: 'scanner database was stale' }),
    });
    await projected(ledger);
    if (registry) for (const name of ['sbom1', 'scan', 'web', 'sbom2', 'provenance', 'revocation']) await published(ledger, ids[name]!);
  } catch (e) {
    await ledger.destroy();
    await registry?.dispose();
    throw e;
  }
  return {
    ledger,
    ...(registry && { registry }),
    app,
    web,
    issuers: { alice, bob, carol },
    ids,
    destroy: async () => {
      await ledger.destroy();
      await registry?.dispose();
    },
  };
}
