/** Small helpers shared by the contract suite's files. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent, RecordedEvent, Subscription } from '../event-store.port.js';

/** What a contract factory provides for one test. */
export interface ContractFixture {
  store: EventStore;
  /** Closes nothing; opens the same data again (durable adapters only). The suite closes what it returns. */
  reopen?: () => Promise<EventStore>;
  /** Closes `store` and removes whatever the fixture created. */
  cleanup(): Promise<void>;
}
export type ContractFactory = () => Promise<ContractFixture>;

/** Runs `body` with a fresh fixture and always cleans up. */
export async function withFixture(factory: ContractFactory, body: (f: ContractFixture, prefix: string) => Promise<void>): Promise<void> {
  const f = await factory();
  try {
    await body(f, `ct${randomUUID().slice(0, 8)}-`);
  } finally {
    await f.cleanup();
  }
}

const enc = new TextEncoder();
/** An event whose data names it, so order and content can be checked. */
export function ev(label: string, type = 'Tested'): NewEvent {
  return { type, data: enc.encode(label) };
}
export function label(e: RecordedEvent): string {
  return new TextDecoder().decode(e.data);
}

export async function collect(it: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

/** Takes exactly `n` events from a subscription (without closing it), failing after `timeoutMs`. */
export async function take(sub: Subscription, n: number, timeoutMs = 20_000): Promise<RecordedEvent[]> {
  const it = sub[Symbol.asyncIterator]();
  const out: RecordedEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const left = deadline - Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      it.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(left, 0));
      }),
    ]).finally(() => clearTimeout(timer));
    if (r === 'timeout') assert.fail(`subscription delivered ${out.length} of ${n} events within ${timeoutMs} ms`);
    if (r.done) assert.fail(`subscription ended after ${out.length} of ${n} events`);
    out.push(r.value);
  }
  return out;
}

/** Every event of the store after `after` whose stream starts with `prefix`, paging through readAll. */
export async function readAllWithPrefix(store: EventStore, after: bigint, prefix: string, pageSize = 500): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let pos = after;
  for (;;) {
    const page = await store.readAll({ after: pos, maxCount: pageSize });
    if (page.length === 0) return out;
    for (const e of page) if (e.stream.startsWith(prefix)) out.push(e);
    pos = page[page.length - 1]!.position;
  }
}

/** Asserts positions strictly increase. */
export function assertIncreasing(events: readonly RecordedEvent[], what: string): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i]!.position > events[i - 1]!.position, `${what}: position ${events[i]!.position} at ${i} does not exceed ${events[i - 1]!.position}`);
  }
}

/** Asserts `p` rejects with an event-store error of `code`. */
export async function rejectsWithCode(p: Promise<unknown> | (() => Promise<unknown>), code: string, what: string): Promise<void> {
  await assert.rejects(typeof p === 'function' ? p() : p, (err: unknown) => {
    assert.equal((err as { code?: unknown }).code, code, `${what}: wrong error ${String(err)}`);
    return true;
  });
}
