/**
 * GET /metrics against the real service: registrations, HTTP requests, the sequencer, and the
 * processors' metrics — from their own thread (the default) and from the HTTP thread
 * (PROCESSOR_THREAD=main) — in one valid Prometheus text exposition. Also the processors' lag on
 * /health/details once idle (it used to show the OCI publisher 1 behind forever).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { register, startLedger, type TestLedger } from '../support/ledger.js';
import { makeIssuer, signStatement, subjectOf, type TestIssuer } from '../support/statements.js';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses the text exposition strictly enough to catch a malformed line. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) {
      assert.ok(!types.has(t[1]!), `metric ${t[1]} declared twice`);
      types.set(t[1]!, t[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|Nan|\+Inf|-Inf)$/.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]!.replace(/^Nan$/, 'NaN')) });
  }
  return samples;
}

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

async function eventually(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await delay(100);
  }
}

for (const thread of ['worker', 'main'] as const) {
  describe(`GET /metrics (processors on the ${thread} thread)`, () => {
    let ledger: TestLedger;
    let issuer: TestIssuer;
    before(async () => {
      issuer = await makeIssuer('https://ci.metrics.example');
      ledger = await startLedger({ policy: { version: 1, mode: 'development', issuers: [{ iss: issuer.iss, keys: [{ jwk: issuer.jwk }] }] }, env: { PROCESSOR_THREAD: thread } });
    });
    after(async () => ledger?.destroy());

    it('counts registrations by outcome, times them, and shows the sequencer, the log and the processors', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await register(ledger.url, await signStatement(issuer, { sub: subjectOf(100 + i) }))).status, 201);
      assert.equal((await register(ledger.url, new Uint8Array([1, 2, 3]))).status, 400);
      assert.equal((await fetch(`${ledger.url}/no/such/route/${'x'.repeat(20)}`)).status, 404);

      const s = await scrape(ledger.url);
      assert.equal(value(s, 'scitt_registrations_total', { outcome: 'registered' }), 3);
      assert.equal(value(s, 'scitt_registrations_total', { outcome: 'rejected' }), 1);
      assert.equal(value(s, 'scitt_registration_duration_seconds_count', { outcome: 'registered' }), 3);
      assert.equal(value(s, 'scitt_registration_duration_seconds_bucket', { outcome: 'registered', le: '+Inf' }), 3);
      // where each registration's time went: once per registered statement and stage (the refused one has no stage)
      for (const stage of ['check', 'queue', 'sequence']) assert.equal(value(s, 'scitt_registration_stage_seconds_count', { stage }), 3, stage);
      const stageSum = ['check', 'queue', 'sequence'].reduce((sum, stage) => sum + value(s, 'scitt_registration_stage_seconds_sum', { stage })!, 0);
      assert.ok(stageSum > 0 && stageSum <= value(s, 'scitt_registration_duration_seconds_sum', { outcome: 'registered' })!, `the stages (${stageSum} s) lie within the registrations' time`);
      assert.equal(value(s, 'scitt_http_requests_total', { method: 'POST', route: '/entries', status: '201' }), 3);
      assert.equal(value(s, 'scitt_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }), 1, 'unknown URLs share one label value');
      assert.equal(value(s, 'scitt_log_tree_size'), 3);
      assert.equal(value(s, 'scitt_sequencer_queue_depth'), 0);
      assert.equal(value(s, 'scitt_sequencer_batch_size_sum'), 3, 'every entry was in exactly one batch');
      assert.ok((value(s, 'scitt_sequencer_batch_size_count') ?? 0) >= 1);
      const age = value(s, 'scitt_checkpoint_age_seconds')!;
      assert.ok(age >= 0 && age < 120, `checkpoint age ${age}`);
      assert.ok((value(s, 'process_cpu_user_seconds_total') ?? -1) > 0, "Node's default process metrics");
      assert.ok(value(s, 'nodejs_eventloop_lag_seconds') !== undefined);
      if (process.platform === 'linux') {
        // per-thread CPU (thread-cpu.ts): the HTTP thread always, the processors' thread when it is one
        assert.ok((value(s, 'scitt_thread_cpu_seconds_total', { thread: 'main' }) ?? 0) > 0, "the HTTP thread's CPU");
        if (thread === 'worker') assert.ok((value(s, 'scitt_thread_cpu_seconds_total', { thread: 'processors' }) ?? 0) > 0, "the processors' thread's CPU");
        else assert.equal(value(s, 'scitt_thread_cpu_seconds_total', { thread: 'processors' }), undefined, "processors on the HTTP thread count as main's");
      }
      assert.equal(value(s, 'scitt_processor_metrics_up'), 1);
      assert.equal(value(s, 'scitt_processor_running', { processor: 'oci-referrer-publisher' }), 1);
      assert.equal(value(s, 'scitt_kafka_lag_events'), undefined, 'no Kafka gauge while Kafka is off');

      // The claims' subjects are in no configured registry and not in the layout: each publication
      // waits for its subject in the backlog of the OCI layout target, held without an attempt.
      await eventually('the processors to catch up and the publisher to try', async () => {
        const t = await scrape(ledger.url);
        return (
          value(t, 'scitt_projection_lag_entries', { projection: 'claims' }) === 0 &&
          value(t, 'scitt_processor_lag_events', { processor: 'oci-referrer-publisher' }) === 0 &&
          value(t, 'scitt_publisher_lag_entries', { target: 'oci-layout' }) === 3 &&
          value(t, 'scitt_publisher_held_total', { target: 'oci-layout' }) === 3 &&
          value(t, 'scitt_publisher_attempts_total', { outcome: 'failed', target: 'oci-layout' }) === undefined
        );
      });
      // idle: /health/details agrees (every processor 0 behind, although the log ends with a checkpoint event the publisher skips)
      const details = (await (await fetch(`${ledger.url}/health/details`)).json()) as { processors: { name: string; lag: number }[] };
      for (const p of details.processors) assert.equal(p.lag, 0, `${p.name} lag`);
    });

    it('answers the request id it was given, or a new one, in X-Request-Id', async () => {
      const given = await fetch(`${ledger.url}/health`, { headers: { 'x-request-id': 'trace-42.a:b' } });
      assert.equal(given.headers.get('x-request-id'), 'trace-42.a:b');
      const made = await fetch(`${ledger.url}/health`);
      assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
      const refused = await fetch(`${ledger.url}/health`, { headers: { 'x-request-id': 'has spaces and "quotes"' } });
      assert.match(refused.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, 'a client id that is not a short token is replaced');
    });
  });
}
