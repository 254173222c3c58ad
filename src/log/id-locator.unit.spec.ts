/**
 * IdLocator: candidates for an id from its first 32 bits, through growth; never a wrong "absent";
 * ids that are not lowercase hex filed by their string.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { IdLocator, idKey } from './id-locator.js';

const hex = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('IdLocator', () => {
  it('finds each of 100,000 ids added one by one (growing from its smallest size), and no id it was not given', () => {
    const locator = new IdLocator();
    const n = 100_000;
    for (let i = 0; i < n; i++) locator.add(hex(`id ${i}`), i);
    assert.equal(locator.size, n);
    let extra = 0;
    for (let i = 0; i < n; i++) {
      const found = locator.candidates(hex(`id ${i}`));
      assert.ok(found.includes(i), `id ${i}`);
      extra += found.length - 1;
    }
    // 10⁵ ids over 2³² keys: ≈ 1.2 pairs share their first 32 bits (the birthday bound); each costs a row read
    assert.ok(extra <= 10, `${extra} extra candidates`);
    let stray = 0;
    for (let i = 0; i < 10_000; i++) stray += locator.candidates(hex(`absent ${i}`)).length;
    assert.ok(stray <= 2, `${stray} candidates for 10,000 absent ids (each would cost one row read)`);
    assert.ok(locator.bytes <= 8 * 2 ** 18, `${locator.bytes} bytes for ${n} ids: at most 3/4 full, 8 bytes a slot`);
  });

  it('is sized for what it expects, 2/3 full (not a power of two), and holds it without growing', () => {
    const locator = new IdLocator(1_000_000);
    assert.equal(locator.bytes, 8 * 1_500_000, '10⁶ ids expected: 1.5·10⁶ slots of 8 bytes, 12 MB (2²¹ slots before: 16 MB)');
    for (let i = 0; i < 1_000_000; i++) locator.addKey(Math.imul(i, 0x9e3779b1) >>> 0, i);
    assert.equal(locator.bytes, 8 * 1_500_000, 'no growth up to what it expected');
    // a table filled to its limit: probe runs wrap past the last slot and still find every key
    const full = new IdLocator();
    const n = (full.bytes / 8) * 0.75 - 1;
    for (let i = 0; i < n; i++) full.add(hex(`full ${i}`), i);
    assert.equal(full.bytes, 8 * 4096, 'not grown yet');
    for (let i = 0; i < n; i++) assert.ok(full.candidates(hex(`full ${i}`)).includes(i), `id ${i}`);
  });

  it('gives every id sharing the first 32 bits as a candidate, in log order', () => {
    const locator = new IdLocator(4);
    const base = hex('x').slice(0, 8);
    locator.add(`${base}${'c'.repeat(56)}`, 9);
    locator.add(`${base}${'a'.repeat(56)}`, 2);
    locator.add(hex('other'), 5);
    locator.add(`${base}${'b'.repeat(56)}`, 4);
    assert.deepEqual(locator.candidates(`${base}${'d'.repeat(56)}`), [2, 4, 9]);
    assert.equal(idKey(`${base}${'d'.repeat(56)}`), Number.parseInt(base, 16));
  });

  it('files an id that is not 64 lowercase hex digits by its string; refuses an index it cannot hold', () => {
    const locator = new IdLocator();
    const id = hex('mixed');
    locator.add('not-an-id', 1);
    locator.add(id.toUpperCase(), 3);
    assert.deepEqual(locator.candidates('not-an-id'), [1]);
    assert.ok(!locator.candidates(id).includes(3) || idKey(id) === idKey(id.toUpperCase()), 'uppercase is another string');
    assert.deepEqual(locator.candidates(id.toUpperCase()), [3]);
    assert.deepEqual(locator.candidates(''), []);
    assert.throws(() => locator.add(id, -1), RangeError);
    assert.throws(() => locator.add(id, 2 ** 32), RangeError);
    assert.throws(() => locator.add(id, 1.5), RangeError);
  });
});
