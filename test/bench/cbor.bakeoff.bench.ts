/**
 * The CBOR bake-off (docs/cose.md): the project's own strict codec against cbor-x behind a strict
 * well-formedness / determinism check (cbor-x.strict.ts), on the hot path of the ledger.
 *
 * 1. Both codecs run the CBOR strictness suite (libs/cose/src/cbor.decode|encode.unit.spec.ts,
 *    `CBOR_CODEC=own|cbor-x`): passed / failed, and the names of the failures.
 * 2. Throughput, same inputs, alternating rounds: decode a ~1.5 KB ES256 signed statement (outer
 *    array + its protected header, as decodeSign1 does), encode an inclusion receipt (the proof
 *    bstr and the COSE_Sign1 around it), a checkpoint's protected header, and a problem-details
 *    body. cbor-x without the check is printed too, to show what the check costs.
 *
 * Run: npm run build && node dist/test/bench/cbor.bakeoff.bench.js   (BENCH_MS: time per row, default 1500)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Alg, CwtClaim, HeaderLabel, Tagged, decodeCbor as ownDecode, encodeCbor as ownEncode, nodeCryptoBackend, signSign1 } from '../../libs/cose/src/index.js';
import { cborx, type CborTag } from '../../libs/cose/bench/cbor-x.loader.js';
import { decodeCbor as xDecode, encodeCbor as xEncode } from '../../libs/cose/bench/cbor-x.strict.js';

const { Decoder, Encoder, Tag } = cborx;
type Tag = CborTag;

const root = new URL('../../..', import.meta.url).pathname;

function suite(codec: 'own' | 'cbor-x'): { pass: number; fail: number; failures: string[] } {
  const files = ['cbor.decode.unit.spec.js', 'cbor.encode.unit.spec.js'].map((f) => join(root, 'dist/libs/cose/src', f));
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...files], { env: { ...process.env, CBOR_CODEC: codec }, encoding: 'utf8', cwd: root });
  const num = (k: string) => Number(new RegExp(`^# ${k} (\\d+)`, 'm').exec(r.stdout)?.[1] ?? NaN);
  const failures = [...r.stdout.matchAll(/^\s*not ok \d+ - (.*)$/gm)].map((m) => m[1]!).filter((n) => !n.includes('.spec.js') && !/^(decodeCbor|encodeCbor) \(/.test(n));
  return { pass: num('pass'), fail: num('fail'), failures };
}

function rate(ms: number, fn: () => unknown): number {
  for (let i = 0; i < 2000; i++) fn(); // warm-up
  const end = performance.now() + ms;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
  }
  return n / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const ms = Number(process.env.BENCH_MS ?? 1500);
  console.log(`node ${process.version}; BENCH_MS=${ms}\n`);

  console.log('CBOR strictness suite (libs/cose/src/cbor.decode|encode.unit.spec.ts):');
  for (const codec of ['own', 'cbor-x'] as const) {
    const s = suite(codec);
    console.log(`  ${(codec === 'own' ? 'own codec' : 'cbor-x + strict check').padEnd(24)} ${s.pass} passed, ${s.fail} failed`);
    for (const f of s.failures) console.log(`      ✖ ${f}`);
  }

  // The inputs: a 1.5 KB ES256 statement, an inclusion receipt's parts, a checkpoint header, a problem.
  const key = await nodeCryptoBackend.generateKey(Alg.ES256);
  const header = new Map<number, unknown>([
    [HeaderLabel.alg, Alg.ES256],
    [HeaderLabel.kid, new Uint8Array(32).fill(1)],
    [HeaderLabel.contentType, 'application/spdx+json'],
    [HeaderLabel.cwtClaims, new Map<number, unknown>([[CwtClaim.iss, 'https://ci.vendor.example'], [CwtClaim.sub, 'registry.example/app@sha256:' + 'ab'.repeat(32)], [CwtClaim.iat, 1767225600]])],
  ]);
  const statement = await signSign1({ protectedHeader: header, payload: new Uint8Array(1250).fill(0x61), key });
  const path = Array.from({ length: 20 }, (_, i) => new Uint8Array(32).fill(i));
  const checkpointHeader = new Map<number, unknown>([
    [HeaderLabel.alg, Alg.ES256],
    [HeaderLabel.kid, new Uint8Array(32).fill(2)],
    [HeaderLabel.cwtClaims, new Map<number, unknown>([[CwtClaim.iss, 'https://ledger.example'], [CwtClaim.sub, 'log-main'], [CwtClaim.iat, 1767225600]])],
    [HeaderLabel.vds, 1],
  ]);
  const cpBytes = ownEncode(checkpointHeader);
  const signature = new Uint8Array(64).fill(3);
  const receipt = (encode: (v: unknown) => Uint8Array) => {
    const proof = encode([1_000_000, 765_432, path]);
    return encode(new Tagged(18, [cpBytes, new Map([[HeaderLabel.vdp, new Map([[-1, [proof]]])]]), null, signature]));
  };
  const problem = new Map<number, unknown>([[-1, 'Signature verification failed'], [-2, "couldn't verify the statement's signature under the issuer key (kid a3e9…)"], [-3, 'urn:ietf:params:scitt:error:signed-statement:invalid']]);
  const strict = { mapsAsMaps: true, floats: 'reject' as const };
  const decodeWith = (decode: typeof ownDecode) => () => {
    const outer = (decode(statement, strict) as Tagged).value as [Uint8Array];
    return decode(outer[0], strict);
  };
  // Same bytes out of both (receipts and headers are signed: a byte of difference is a bug).
  for (const [name, a, b] of [
    ['receipt', receipt(ownEncode), receipt(xEncode)],
    ['checkpoint header', ownEncode(checkpointHeader), xEncode(checkpointHeader)],
    ['problem', ownEncode(problem), xEncode(problem)],
  ] as const) {
    if (Buffer.compare(a, b) !== 0) throw new Error(`the codecs disagree on the ${name} bytes`);
  }
  const rawX = new Decoder({ mapsAsObjects: false, useRecords: false } as never);
  const rawXEncoder = new Encoder({ useRecords: false, mapsAsObjects: false, useTag259ForMaps: false, tagUint8Array: false, variableMapSize: true } as never);
  const rows: [string, () => unknown, () => unknown, (() => unknown) | undefined][] = [
    [`decode statement (${statement.length} B) + protected header`, decodeWith(ownDecode), decodeWith(xDecode), () => rawX.decode(((rawX.decode(statement) as Tag).value as Uint8Array[])[0]!)],
    [`encode inclusion receipt (${receipt(ownEncode).length} B, 20-hash path)`, () => receipt(ownEncode), () => receipt(xEncode), () => rawXEncoder.encode(new Tag([cpBytes, new Map([[396, new Map([[-1, [rawXEncoder.encode([1_000_000, 765_432, path])]]])]]), null, signature], 18))],
    [`encode checkpoint protected header (${cpBytes.length} B)`, () => ownEncode(checkpointHeader), () => xEncode(checkpointHeader), () => rawXEncoder.encode(checkpointHeader)],
    [`encode problem details (${ownEncode(problem).length} B)`, () => ownEncode(problem), () => xEncode(problem), () => rawXEncoder.encode(problem)],
  ];
  console.log('\nThroughput (ops/s; best of 3 alternating rounds; ratio = cbor-x + check / own):');
  console.log(`  ${'operation'.padEnd(50)} ${'own'.padStart(10)} ${'cbor-x+check'.padStart(13)} ${'ratio'.padStart(6)} ${'cbor-x raw'.padStart(11)}`);
  for (const [name, own, x, raw] of rows) {
    const best = { own: 0, x: 0, raw: 0 };
    for (let round = 0; round < 3; round++) {
      best.own = Math.max(best.own, rate(ms / 3, own));
      best.x = Math.max(best.x, rate(ms / 3, x));
      if (raw) best.raw = Math.max(best.raw, rate(ms / 3, raw));
    }
    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`  ${name.padEnd(50)} ${f(best.own).padStart(10)} ${f(best.x).padStart(13)} ${(best.x / best.own).toFixed(2).padStart(6)} ${(raw ? f(best.raw) : '—').padStart(11)}`);
  }
  console.log('\n(cbor-x raw: no check, its own output shapes and leniency — not a candidate, shown for the cost of the check.)');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
