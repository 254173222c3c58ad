/**
 * The OpenAPI 3.1 document at /openapi.json against the real service: it describes every route the
 * service registers (and no other), every $ref resolves, and real answers of every operation —
 * successes and refusals, JSON, CBOR, COSE and problem details — have a documented status, a
 * documented media type and a body that the documented schema accepts (ajv, JSON Schema 2020-12;
 * CBOR bodies in their RFC 8949 §6.1 JSON form: byte strings base64url, map keys as text).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { decodeCbor, decodeSign1, Tagged, toBase64Url } from '../../libs/cose/src/index.js';
import { entryIdOf, toEntry } from '../../libs/receipt/src/index.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiToken } from '../../src/auth/api-tokens.store.js';
import { startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';
import { FIXTURE_CONTENT_TYPE, fixtureBytes } from '../support/content-fixtures.js';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }>; headers?: Record<string, unknown> }> }>>;
  components: { schemas: Record<string, unknown> };
};

/** RFC 8949 §6.1: CBOR as JSON (byte strings → base64url, keys → text, tags → their content). */
function cborToJson(v: unknown): unknown {
  if (v instanceof Uint8Array) return toBase64Url(v);
  if (v instanceof Tagged) return cborToJson(v.value);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), cborToJson(x)]));
  if (Array.isArray(v)) return v.map(cborToJson);
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cborToJson(x)]));
  return v;
}

/** The body as the schema sees it, after the media type's own decoding succeeded. */
function bodyValue(mediaType: string, body: Uint8Array): unknown {
  switch (mediaType) {
    case 'application/json':
      return JSON.parse(new TextDecoder().decode(body));
    case 'application/cose':
    case 'application/scitt-statement+cose':
      decodeSign1(body); // a real COSE_Sign1, or this throws
      assert.equal(body[0], 0xd2, 'tagged COSE_Sign1 (tag 18)');
      return toBase64Url(body);
    case 'application/cbor':
    case 'application/cose-key':
    case 'application/concise-problem-details+cbor':
      return cborToJson(decodeCbor(body));
    case 'text/plain':
    case 'text/html':
    case 'text/javascript':
    case 'text/css':
      return new TextDecoder().decode(body);
    default:
      return assert.fail(`no decoder for ${mediaType}`);
  }
}

/** Fastify's `/a/:id` and wildcard `/explorer/*` as OpenAPI templates (`/explorer/{file}`). */
const templateOf = (fastifyUrl: string): string => fastifyUrl.replace(/:([A-Za-z]+)/g, '{$1}').replace(/\/\*$/, '/{file}');

describe('OpenAPI 3.1 document (/openapi.json) against real answers', () => {
  let ledger: TestLedger;
  let issuer: TestIssuer;
  let doc: Doc;
  let ajv: Ajv2020;
  const validators = new Map<string, ValidateFunction>();
  const exercised = new Set<string>();
  const ids: string[] = [];

  before(async () => {
    issuer = await makeIssuer('https://ci.openapi.example');
    ledger = await startLedger({ policy: { version: 1, mode: 'development', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] } });
    const res = await fetch(`${ledger.url}/openapi.json`);
    assert.equal(res.status, 200);
    doc = (await res.json()) as Doc;
    ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
    // the document's refs (#/components/schemas/X) point into one schema resource holding them all
    const rewrite = (o: unknown): unknown => JSON.parse(JSON.stringify(o).replaceAll('"#/components/schemas/', '"urn:scitt-ledger:openapi#/$defs/'));
    ajv.addSchema({ $id: 'urn:scitt-ledger:openapi', $defs: rewrite(doc.components.schemas) as object });
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, r] of Object.entries(op.responses)) {
          for (const [mt, m] of Object.entries(r.content ?? {})) validators.set(`${method} ${path} ${status} ${mt}`, ajv.compile(rewrite(m.schema) as object));
        }
      }
    }
  });
  after(async () => ledger?.destroy());

  /** Sends a request and checks its answer against the operation `method path`; returns the response. */
  async function check(method: string, path: string, url: string, init: RequestInit = {}, expectStatus?: number): Promise<{ status: number; body: Uint8Array; headers: Headers }> {
    const op = doc.paths[path]?.[method.toLowerCase()];
    assert.ok(op, `${method} ${path} is not in the document`);
    const res = await fetch(url.startsWith('http') ? url : `${ledger.url}${url}`, { method, redirect: 'manual', ...init });
    const body = new Uint8Array(await res.arrayBuffer());
    const what = `${method} ${url} → ${res.status}`;
    if (expectStatus !== undefined) assert.equal(res.status, expectStatus, `${what}: ${new TextDecoder().decode(body).slice(0, 300)}`);
    const documented = op.responses[String(res.status)];
    assert.ok(documented, `${what}: status not documented`);
    for (const h of Object.keys(documented.headers ?? {})) assert.ok(res.headers.has(h), `${what}: header ${h} documented but absent`);
    if (!documented.content) {
      assert.equal(body.length, 0, `${what}: a body where the document says none`);
    } else {
      const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
      assert.ok(documented.content[mediaType], `${what}: media type ${mediaType} not documented (${Object.keys(documented.content).join(', ')})`);
      const validate = validators.get(`${method.toLowerCase()} ${path} ${res.status} ${mediaType}`)!;
      const value = bodyValue(mediaType, body);
      assert.ok(validate(value), `${what} (${mediaType}): ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 500)}`);
    }
    exercised.add(`${method.toLowerCase()} ${path}`);
    return { status: res.status, body, headers: res.headers };
  }

  it('describes exactly the routes the service answers, in OpenAPI 3.1', () => {
    assert.equal(doc.openapi, '3.1.0');
    const served = new Set(ledger.routes.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS').map((r) => `${r.method.toLowerCase()} ${templateOf(r.url)}`));
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
    assert.deepEqual([...served].filter((r) => !documented.has(r)), [], 'routes the document does not describe');
    assert.deepEqual([...documented].filter((r) => !served.has(r)), [], 'documented operations the service does not answer');
  });

  it('SCRAPI answers match: receipts, transparent statements, keys, and their problem details', async () => {
    const cose = { 'content-type': 'application/cose' };
    for (let i = 0; i < 3; i++) {
      const st = await signStatement(issuer, { sub: subjectOf(300 + i) });
      await check('POST', '/entries', '/entries', { headers: cose, body: st }, 201);
      ids.push(entryIdOf(toEntry(st).entry));
    }
    await check('POST', '/entries', '/entries', { headers: { ...cose, prefer: 'respond-async' }, body: await signStatement(issuer, { sub: subjectOf(399) }) }, 303);
    await check('POST', '/entries', '/entries', { headers: cose, body: Uint8Array.of(0x01, 0x02) }, 400);
    // claim contents (#15): an SBOM and a VEX document about one collection, and a malformed SBOM (400 naming the field)
    const sbomDigest = subjectOf(310).slice(subjectOf(310).indexOf('@') + 1);
    for (const f of ['cyclonedx-1.6-sbom.json', 'openvex-0.2.0.json'] as const) {
      await check('POST', '/entries', '/entries', { headers: cose, body: await signStatement(issuer, { sub: subjectOf(310), contentType: FIXTURE_CONTENT_TYPE[f], payload: fixtureBytes(f, sbomDigest) }) }, 201);
    }
    await check('POST', '/entries', '/entries', { headers: cose, body: await signStatement(issuer, { sub: subjectOf(311), contentType: 'application/vnd.cyclonedx+json', payload: '{"bomFormat":"CycloneDX","specVersion":"9"}' }) }, 400);
    await check('POST', '/entries', '/entries', { headers: { 'content-type': 'text/plain' }, body: 'hello' }, 415);
    await check('POST', '/entries', '/entries', { headers: cose, body: new Uint8Array(1024 * 1024 + 1) }, 413);
    await check('GET', '/entries/{id}', `/entries/${ids[0]}`, {}, 200);
    await check('GET', '/entries/{id}', `/entries/${'0'.repeat(64)}`, {}, 404);
    await check('GET', '/entries/{id}/statement', `/entries/${ids[0]}/statement`, {}, 200);
    await check('GET', '/entries/{id}/statement', `/entries/${'0'.repeat(64)}/statement`, {}, 404);
    await check('GET', '/entries/{id}/publication', `/entries/${ids[0]}/publication`, {}, 200);
    await check('GET', '/entries/{id}/publication', '/entries/nothex/publication', {}, 404);
    const keys = await check('GET', '/.well-known/scitt-keys', '/.well-known/scitt-keys', {}, 200);
    const kid = ((decodeCbor(keys.body) as Map<number, unknown>[])[0]!.get(2) as Uint8Array);
    await check('GET', '/.well-known/scitt-keys/{kid}', `/.well-known/scitt-keys/${toBase64Url(kid)}`, {}, 200);
    await check('GET', '/.well-known/scitt-keys/{kid}', '/.well-known/scitt-keys/00ff', {}, 404);
  });

  it('auditor answers match: claims, status, stats, replay, checkpoints and proofs in JSON and COSE, and their refusals', async () => {
    const accept = { headers: { accept: 'application/cose' } };
    await check('GET', '/entries/{id}/status', `/entries/${ids[1]}/status`, {}, 200);
    await check('GET', '/entries/{id}/status', `/entries/${'0'.repeat(64)}/status`, {}, 404);
    await check('GET', '/entries/{id}/status', '/entries/not-an-id/status');
    await check('GET', '/claims', '/claims?limit=2', {}, 200);
    await check('GET', '/claims', `/claims?issuer=${encodeURIComponent(issuer.iss)}&revoked=false`, {}, 200);
    await check('GET', '/claims', '/claims?limit=0', {}, 400);
    await check('GET', '/claims', '/claims?bogus=1', {}, 400);
    await check('GET', '/claims', '/claims?vulnerability=CVE-2021-23337', {}, 200);
    await check('GET', '/claims', '/claims?predicateType=https%3A%2F%2Fslsa.dev%2Fprovenance%2Fv1', {}, 200);
    await check('GET', '/components', '/components?purl=pkg%3Anpm%2Flodash&limit=1', {}, 200);
    await check('GET', '/components', '/components?purl=lodash', {}, 400);
    const digest = subjectOf(300).slice(subjectOf(300).indexOf('@') + 1);
    await check('GET', '/claims', `/claims?subject=${encodeURIComponent(digest)}&precedence=${encodeURIComponent(issuer.iss)}`, {}, 200);
    await check('GET', '/subjects/{digest}/status', `/subjects/${digest}/status`, {}, 200);
    await check('GET', '/subjects/{digest}/status', '/subjects/sha256:nothex/status', {}, 400);
    await check('GET', '/log/stats', '/log/stats', {}, 200);
    await check('GET', '/log/stats/registrations', '/log/stats/registrations?bucket=day&buckets=3', {}, 200);
    await check('GET', '/log/stats/registrations', '/log/stats/registrations?bucket=week', {}, 400);
    await check('GET', '/log/entries', '/log/entries?start=0&limit=2', {}, 200);
    await check('GET', '/log/entries', '/log/entries?start=999', {}, 400);
    await check('GET', '/checkpoints', '/checkpoints?after=0', {}, 200);
    await check('GET', '/checkpoints', '/checkpoints?after=x', {}, 400);
    await check('GET', '/checkpoints/latest', '/checkpoints/latest', {}, 200);
    await check('GET', '/checkpoints/latest', '/checkpoints/latest', accept, 200);
    const latest = (await (await fetch(`${ledger.url}/checkpoints/latest`)).json()) as { treeSize: number };
    await check('GET', '/checkpoints/{treeSize}', `/checkpoints/${latest.treeSize}`, {}, 200);
    await check('GET', '/checkpoints/{treeSize}', `/checkpoints/${latest.treeSize}`, accept, 200);
    await check('GET', '/checkpoints/{treeSize}', '/checkpoints/100000', {}, 400);
    await check('GET', '/proofs/inclusion', `/proofs/inclusion?entry=${ids[0]}`, {}, 200);
    await check('GET', '/proofs/inclusion', `/proofs/inclusion?index=1&treeSize=${latest.treeSize}`, accept, 200);
    await check('GET', '/proofs/inclusion', '/proofs/inclusion?index=999', {}, 404);
    await check('GET', '/proofs/inclusion', '/proofs/inclusion?index=1&treeSize=999999', {}, 400);
    await check('GET', '/proofs/consistency', `/proofs/consistency?from=1&to=${latest.treeSize}`, {}, 200);
    await check('GET', '/proofs/consistency', `/proofs/consistency?from=1&to=${latest.treeSize}`, accept, 200);
    await check('GET', '/proofs/consistency', '/proofs/consistency?from=0', {}, 400);
  });

  it('with authentication on (a token file, AUTH_READ=true): 401 problems with a Bearer challenge match, and authenticated answers too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scitt-openapi-auth-'));
    const token = createApiToken();
    writeFileSync(join(dir, 'tokens.json'), JSON.stringify({ version: 1, tokens: [{ name: 'ci', sha256: token.sha256 }] }));
    const locked = await startLedger({ env: { AUTH_TOKENS_FILE: join(dir, 'tokens.json'), AUTH_READ: 'true' } });
    try {
      const bearer = { authorization: `Bearer ${token.token}` };
      const st = await signStatement(issuer, { sub: subjectOf(350), x5chain: issuer.certificate });
      await check('POST', '/entries', `${locked.url}/entries`, { headers: { 'content-type': 'application/cose' }, body: st }, 401);
      await check('POST', '/entries', `${locked.url}/entries`, { headers: { 'content-type': 'application/cose', authorization: 'Bearer scitt_wrong' }, body: st }, 401);
      await check('POST', '/entries', `${locked.url}/entries`, { headers: { 'content-type': 'application/cose', ...bearer }, body: st }, 201);
      await check('GET', '/claims', `${locked.url}/claims`, {}, 401);
      await check('GET', '/claims', `${locked.url}/claims`, { headers: bearer }, 200);
      await check('GET', '/metrics', `${locked.url}/metrics`, {}, 401);
      await check('GET', '/health', `${locked.url}/health`, {}, 200);
      await check('GET', '/.well-known/scitt-keys', `${locked.url}/.well-known/scitt-keys`, {}, 200);
    } finally {
      await locked.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('operational answers match, and every documented operation was exercised', async () => {
    await check('GET', '/health', '/health', {}, 200);
    await check('GET', '/health/details', '/health/details', {}, 200);
    await check('GET', '/health/live', '/health/live', {}, 200);
    await check('GET', '/health/ready', '/health/ready', {}, 200);
    await check('GET', '/metrics', '/metrics', {}, 200);
    await check('GET', '/openapi.json', '/openapi.json', {}, 200);
    await check('GET', '/explorer', '/explorer', {}, 301);
    const index = await check('GET', '/explorer/{file}', '/explorer/', {}, 200);
    await check('GET', '/explorer/{file}', '/explorer/explorer.js', {}, 200);
    await check('GET', '/explorer/{file}', '/explorer/', { headers: { 'if-none-match': index.headers.get('etag')! } }, 304);
    await check('GET', '/explorer/{file}', '/explorer/no-such-file.js', {}, 404);
    const all = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    assert.deepEqual(all.filter((o) => !exercised.has(o)), [], 'operations no test request reached');
  });
});
