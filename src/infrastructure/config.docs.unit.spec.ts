/**
 * docs/operations.md tells the truth about the configuration: every variable loadConfig reads has a
 * row (OCI_* rows live in oci.md, KAFKA_* in kafka.md, both linked from operations.md), and no row
 * names a variable the service does not read. The variables read are observed, not listed: a
 * recording env is passed through configurations that reach every branch.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadConfig } from './config.js';

const docs = (name: string): string => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');
/** The variables named in the first cell of the markdown table rows of `text` (`| \`A\` / \`B\` | …`). */
const rows = (text: string): Set<string> =>
  new Set([...text.matchAll(/^\|([^|\n]*)\|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((n) => n[1]!)));

function variablesRead(): Set<string> {
  const read = new Set<string>();
  const configs: Record<string, string>[] = [
    { HOME: '/nonexistent' },
    { HOME: '/nonexistent', EVENT_STORE: 'postgres', POSTGRES_URL: 'postgres://db/x' },
    { HOME: '/nonexistent', EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: 'kurrentdb://x:2113' },
    { HOME: '/nonexistent', AUTH_OIDC_ISSUER: 'https://idp', AUTH_OIDC_AUDIENCE: 'a', AUTH_OIDC_JWKS_URL: 'https://idp/jwks', AUTH_TOKENS_FILE: 't', AUTH_READ: 'true' },
    { HOME: '/nonexistent', KAFKA_BROKERS: 'k:9092', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SSL_CA_FILE: '/ca' },
    { HOME: '/nonexistent', OCI_REGISTRIES: 'r.example', OCI_REGISTRY_USERNAME: 'u', OCI_REGISTRY_PASSWORD: 'p', OCI_REFERRERS_MODE: 'tag' },
  ];
  for (const env of configs) {
    const recording = new Proxy(env, {
      get: (t, k) => (typeof k === 'string' && /^[A-Z][A-Z0-9_]*$/.test(k) && read.add(k), Reflect.get(t, k)),
    });
    loadConfig(recording, '/srv');
  }
  return read;
}

/** Read by the service, but not its own settings: they belong to Node, the shell or Docker's tools. */
const NOT_OURS = new Set(['HOME', 'DOCKER_CONFIG']);
/** Documented, read outside loadConfig: libuv reads the pool's size, the dynamic loader the preload (an allocator), node its options. */
const READ_ELSEWHERE = new Set(['UV_THREADPOOL_SIZE', 'LD_PRELOAD', 'NODE_OPTIONS']);

describe('docs/operations.md: the configuration table', () => {
  const read = variablesRead();
  const documented = new Set([...rows(docs('operations.md')), ...rows(docs('oci.md')), ...rows(docs('kafka.md'))]);
  it('has a row for every variable the service reads', () => {
    const missing = [...read].filter((v) => !NOT_OURS.has(v) && !documented.has(v));
    assert.deepEqual(missing, [], `variables without a row: ${missing.join(', ')}`);
  });
  it('names no variable the service does not read', () => {
    const operations = rows(docs('operations.md'));
    const stale = [...operations].filter((v) => !read.has(v) && !READ_ELSEWHERE.has(v));
    assert.deepEqual(stale, [], `rows for variables nothing reads: ${stale.join(', ')}`);
  });
});
