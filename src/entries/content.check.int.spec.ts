/**
 * The registration content check with the real parse pool (a real worker thread for large
 * payloads): malformed content named, in-toto subject matching on and off by policy, hash
 * envelopes and unknown types left alone, and the same answers inline and in the worker.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderLabel, type CoseSign1 } from '../../libs/cose/src/index.js';
import { cyclonedxSbom } from '../../libs/content/test/sbom.generator.js';
import { developmentPolicy, parsePolicy } from '../../libs/ledger/src/index.js';
import { FIXTURE_IMAGE_DIGEST, fixtureBytes, fixtureJson, jsonBytes } from '../../test/support/content-fixtures.js';
import { ContentCheck } from './content.check.js';
import { registrationProblem } from './registration.problems.js';
import { StatementRejection } from './statement-rejection.js';
import { ProblemError } from '../common/problem.js';
import { ContentParsePool } from './content-parse.pool.js';

const statement = (payload: Uint8Array | null, hashEnvelope = false): CoseSign1 =>
  ({ protectedHeader: new Map<number, unknown>(hashEnvelope ? [[HeaderLabel.payloadHashAlg, -16]] : []), payload }) as unknown as CoseSign1;
const SUB = `registry.example/team/app@${FIXTURE_IMAGE_DIGEST}`;
const OTHER = `registry.example/team/app@sha256:${'1'.repeat(64)}`;

describe('ContentCheck with ContentParsePool', () => {
  const pool = new ContentParsePool({ inlineBytes: 4096 });
  after(() => pool.close());
  const check = new ContentCheck(developmentPolicy(), pool);

  const problem = async (p: Promise<unknown>, code: string, detail: RegExp) =>
    assert.rejects(p, (e: unknown) => {
      // a typed rejection of the domain; the edge answers it 400 (registration.problems.ts)
      const problem = registrationProblem(e);
      return e instanceof StatementRejection && problem instanceof ProblemError && problem.status === 400 && e.code === code && detail.test(e.detail);
    });

  it('parses small payloads inline and large ones in the worker, with the same summary', async () => {
    const small = await check.check(statement(fixtureBytes('openvex-0.2.0.json')), 'application/openvex+json', SUB);
    assert.equal(pool.counts.inline, 1);
    const big = await check.check(statement(fixtureBytes('cyclonedx-1.6-sbom.json')), 'application/vnd.cyclonedx+json', SUB);
    assert.equal(pool.counts.worker, 1, 'the 26 KB SBOM went to the worker');
    assert.deepEqual([small?.kind, small?.vex, big?.kind, big?.components], ['openvex', 3, 'cyclonedx', 50]);
    const inline = new ContentParsePool({ inlineBytes: 1 << 30 });
    try {
      assert.deepEqual(await inline.parse('application/vnd.cyclonedx+json', fixtureBytes('cyclonedx-1.6-sbom.json')), big);
    } finally {
      await inline.close();
    }
  });

  it('a malformed payload in the worker comes back as the same coded error, naming the field', async () => {
    const doc = cyclonedxSbom(100);
    (doc.components as any[])[42].purl = 'not a purl';
    await problem(check.check(statement(jsonBytes(doc)), 'application/vnd.cyclonedx+json', SUB), 'ERR_CONTENT_MALFORMED', /^couldn't parse the CycloneDX document: \/components\/42\/purl: not a valid package URL/);
    const limitedPool = new ContentParsePool({ inlineBytes: 0, limits: { maxComponents: 10 } });
    try {
      const limited = new ContentCheck(developmentPolicy(), limitedPool);
      await problem(limited.check(statement(jsonBytes(cyclonedxSbom(11))), 'application/vnd.cyclonedx+json', SUB), 'ERR_CONTENT_LIMIT', /\/components: more than maxComponents = 10/);
    } finally {
      await limitedPool.close();
    }
  });

  it('in-toto: the subject digest must be among the statement subjects, unless the policy says otherwise', async () => {
    const slsa = fixtureBytes('slsa-v1-provenance.intoto.json');
    assert.equal((await check.check(statement(slsa), 'application/vnd.in-toto+json', SUB))?.builder?.id.includes('slsa-github-generator'), true);
    await problem(check.check(statement(slsa), 'application/vnd.in-toto+json', OTHER), 'ERR_CONTENT_SUBJECT_MISMATCH', /do not include the signed statement's subject digest sha256:1111/);
    await problem(check.check(statement(slsa), 'application/vnd.in-toto+json', 'registry.example/team/app:latest'), 'ERR_CONTENT_SUBJECT_MISMATCH', /names no sha256 digest/);
    const many = fixtureJson('slsa-v1-provenance.intoto.json');
    many.subject = [{ digest: { sha256: '2'.repeat(64) } }, ...many.subject];
    assert.equal((await check.check(statement(jsonBytes(many)), 'application/vnd.in-toto+json', SUB))?.subjects.length, 2, 'any subject may match');
    const off = parsePolicy({ version: 1, requireInTotoSubjectMatch: false });
    assert.equal((await new ContentCheck(off, pool).check(statement(slsa), 'application/vnd.in-toto+json', OTHER))?.kind, 'intoto');
    assert.throws(() => parsePolicy({ version: 1, requireInTotoSubjectMatch: 'yes' }), /requireInTotoSubjectMatch must be true or false/);
    assert.equal('requireInTotoSubjectMatch' in parsePolicy({ version: 1 }), false, 'absent stays absent: the canonical policy (and its digest) is unchanged');
  });

  it('hash envelopes and unknown content types are not parsed', async () => {
    assert.equal(await check.check(statement(new Uint8Array(32), true), 'application/vnd.cyclonedx+json', SUB), null);
    assert.equal((await check.check(statement(new Uint8Array([0xff])), 'application/octet-stream', SUB))?.kind, 'opaque');
  });
});
