import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { IdFilter, loadIdFilter } from './id-filter.js';

const id = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('IdFilter', () => {
  it('never says no to an id it holds, and says no to nearly every other one', () => {
    const f = new IdFilter(1000);
    f.markReady();
    const held = Array.from({ length: 120_000 }, (_, i) => id(`held ${i}`)); // more than the smallest segment holds (104,857)
    for (const h of held) f.add(h);
    for (const h of held) assert.equal(f.mightHold(h), true);
    let maybe = 0;
    for (let i = 0; i < 50_000; i++) if (f.mightHold(id(`other ${i}`))) maybe++;
    assert.ok(maybe < 50_000 * 0.02, `${maybe} false positives in 50,000 (≈ 0.8 % expected)`);
    assert.equal(f.stats.segments, 2, 'grew by a segment');
    assert.ok(held.every((h) => f.mightHold(h.toUpperCase())), 'upper-case hex reads as the same id');
  });

  it('answers "maybe" to everything until ready, and to anything that is not a 64-character id', () => {
    const f = new IdFilter();
    assert.equal(f.mightHold(id('x')), true, 'not ready yet');
    f.markReady();
    assert.equal(f.mightHold(id('x')), false);
    assert.equal(f.mightHold('abc'), true);
    assert.equal(f.mightHold(''), true);
  });

  it('loads each kind of id in chunks, after the last one read, and stays not ready when a read fails', async () => {
    const entries = Array.from({ length: 45 }, (_, i) => id(`e${i}`)).sort();
    const statements = Array.from({ length: 7 }, (_, i) => id(`s${i}`)).sort();
    const reads: string[] = [];
    const lister = (name: string, all: string[]) => (after: string, n: number) => (reads.push(`${name} ${all.indexOf(after)}`), all.filter((x) => x > after).slice(0, n));
    const f = new IdFilter();
    await loadIdFilter(f, [lister('e', entries), lister('s', statements)], { chunk: 20, pauseMs: 0 });
    assert.deepEqual(reads, ['e -1', 'e 19', 'e 39', 's -1']);
    assert.equal(f.ready, true);
    assert.ok([...entries, ...statements].every((x) => f.mightHold(x)));
    const broken = new IdFilter();
    await loadIdFilter(broken, [
      () => {
        throw new TypeError('The database connection is not open');
      },
    ]);
    assert.equal(broken.ready, false);
    assert.equal(broken.mightHold(id('anything')), true);
  });
});
