/**
 * Publication throughput of the running service against a real docker-registry:
 * registers N claims about S collections (concurrently, through POST /entries) and measures
 * registration time and the time until every referrer is published (catch-up rate).
 * Run: node dist/src/publisher/publisher.bench.js [N=200] [S=10]   (OCI_PUBLISHER=off: registration alone)
 */
import { register, startLedger } from '../../test/support/ledger.js';
import { startRegistry } from '../../test/support/registry.js';
import { pushTestCollection } from '../../test/support/registry-collection.js';
import { makeIssuer, signStatement } from '../../test/support/statements.js';
import { entryIdOf, toEntry } from '../../libs/receipt/src/index.js';

const n = Number(process.argv[2] ?? 200);
const subjects = Number(process.argv[3] ?? 10);

const reg = await startRegistry();
const issuer = await makeIssuer('https://ci.bench.example');
const ledger = await startLedger({
  policy: { version: 1, mode: 'development', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] },
  env: { RATE_LIMIT_PER_MINUTE: '0', OCI_REGISTRIES: `${reg.host}=http`, OCI_PUBLISHER: process.env.OCI_PUBLISHER ?? 'on', OCI_PUBLISH_CONCURRENCY: process.env.OCI_PUBLISH_CONCURRENCY ?? '4' },
});
try {
  const cols = await Promise.all(Array.from({ length: subjects }, (_, i) => pushTestCollection(reg.url, `bench/app${i}`)));
  const statements = await Promise.all(Array.from({ length: n }, (_, i) => signStatement(issuer, { sub: cols[i % subjects]!.reference, payload: `{"i":${i}}` })));
  const t0 = performance.now();
  await Promise.all(
    statements.map(async (s) => {
      const res = await register(ledger.url, s);
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`register: HTTP ${res.status}`);
    }),
  );
  const registered = performance.now() - t0;
  const ids = statements.map((s) => entryIdOf(toEntry(s).entry));
  const pending = new Set(ids);
  while (pending.size > 0) {
    for (const id of [...pending]) {
      const p = (await (await fetch(`${ledger.url}/entries/${id}/publication`)).json()) as { state: string };
      if (p.state === 'published' || p.state === 'disabled') pending.delete(id);
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 50));
  }
  const done = performance.now() - t0;
  console.log(`${n} claims about ${subjects} collections: registered in ${registered.toFixed(0)} ms (${((n / registered) * 1000).toFixed(0)}/s); all published after ${done.toFixed(0)} ms (${((n / done) * 1000).toFixed(1)} publications/s, tag-schema fallback, docker-registry 2.8)`);
} finally {
  await ledger.destroy();
  await reg.dispose();
}
