/**
 * Throughput of the cose library on this machine: strict decode of a ~1.2 KB statement, the
 * deterministic encoder, Sig_structure, and signatures with both backends.
 * Run: npx tsc -p <your tsconfig> && node dist/libs/cose/bench/cose.bench.js
 */
import { Alg, CwtClaim, decodeSign1, encodeCbor, getCwtClaims, HeaderLabel, nobleBackend, nodeCryptoBackend, publicKey, sigStructure1, signSign1, verifySign1 } from '../src/index.js';

async function measure(name: string, ms: number, fn: () => unknown | Promise<unknown>, batch = 1): Promise<void> {
  const end = performance.now() + ms;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    if (batch === 1) await fn();
    else await Promise.all(Array.from({ length: batch }, fn));
    n += batch;
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(`${name.padEnd(52)} ${Math.round(n / secs).toLocaleString('en-US').padStart(10)} ops/s`);
}

async function main(): Promise<void> {
  const ms = Number(process.env.BENCH_MS ?? 1500);
  const es256 = await nodeCryptoBackend.generateKey(Alg.ES256);
  const ed = await nodeCryptoBackend.generateKey(Alg.EdDSA);
  const header = (alg: number) =>
    new Map<number, unknown>([
      [HeaderLabel.alg, alg],
      [HeaderLabel.kid, new Uint8Array(32).fill(1)],
      [HeaderLabel.contentType, 'application/spdx+json'],
      [HeaderLabel.cwtClaims, new Map<number, unknown>([[CwtClaim.iss, 'did:web:issuer.example'], [CwtClaim.sub, 'registry.example/app@sha256:' + 'ab'.repeat(32)], [CwtClaim.iat, 1700000000]])],
    ]);
  const payload = new Uint8Array(1000).fill(0x61);
  const stmt = await signSign1({ protectedHeader: header(Alg.ES256), payload, key: es256 });
  const edStmt = await signSign1({ protectedHeader: header(Alg.EdDSA), payload, key: ed });
  const msg = decodeSign1(stmt);
  const edMsg = decodeSign1(edStmt);
  const pub = publicKey(es256);
  const edPub = publicKey(ed);
  console.log(`statement: ${stmt.length} bytes (ES256), node ${process.version}`);

  await measure('decodeSign1 (strict, headers checked)', ms, () => decodeSign1(stmt));
  await measure('decodeSign1 + getCwtClaims', ms, () => getCwtClaims(decodeSign1(stmt).protectedHeader));
  await measure('encodeCbor(protected header)', ms, () => encodeCbor(msg.protectedHeader));
  await measure('sigStructure1 (1 KB payload)', ms, () => sigStructure1(msg.protectedBytes, new Uint8Array(0), msg.payload!));
  await measure('verifySign1 ES256 node, 1 in flight', ms, () => verifySign1(msg, pub));
  await measure('verifySign1 ES256 node, 64 in flight', ms, () => verifySign1(msg, pub), 64);
  await measure('verifySign1 EdDSA node, 64 in flight', ms, () => verifySign1(edMsg, edPub), 64);
  await measure('signSign1 ES256 node, 64 in flight', ms, () => signSign1({ protectedHeader: header(Alg.ES256), payload, key: es256 }), 64);
  await measure('verifySign1 ES256 noble', ms, () => verifySign1(msg, pub, { backend: nobleBackend }));
  await measure('verifySign1 EdDSA noble', ms, () => verifySign1(edMsg, edPub, { backend: nobleBackend }));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
