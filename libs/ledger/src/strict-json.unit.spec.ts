import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findDuplicateKey, JsonDuplicateKeyError, parseJsonStrict } from './strict-json.js';

describe('parseJsonStrict', () => {
  const refused: [string, string, string, string][] = [
    ['plain duplicate', '{"a":1,"a":2}', 'a', '$'],
    ['escaped-equivalent (\\u0061 = a)', '{"a":1,"\\u0061":2}', 'a', '$'],
    ['escaped-equivalent, both escaped differently', '{"\\u0072evokes":[],"r\\u0065vokes":[]}', 'revokes', '$'],
    ['escaped solidus (\\/ = /)', '{"a/b":1,"a\\/b":2}', 'a/b', '$'],
    ['surrogate pair vs literal', '{"\\ud83d\\ude00":1,"😀":2}', '😀', '$'],
    ['nested in an object', '{"x":{"k":1,"k":1}}', 'k', '$.x'],
    ['nested in an array', '{"issuers":[{"iss":"a"},{"iss":"b","iss":"c"}]}', 'iss', '$.issuers[1]'],
    ['after a string holding quotes and braces', '{"s":"}\\",{\\"s\\":","s":2}', 's', '$'],
    ['the revocation attack', '{"revokes":["' + 'a'.repeat(64) + '"],"reason":"x","revokes":["' + 'b'.repeat(64) + '"]}', 'revokes', '$'],
    ['with whitespace everywhere', ' { "a" : 1 ,\n "a" : 2 } ', 'a', '$'],
  ];
  for (const [name, text, key, path] of refused) {
    it(`refuses ${name}`, () => {
      assert.ok(JSON.parse(text), 'JSON.parse alone accepts it (last wins)');
      assert.throws(() => parseJsonStrict(text), (e: unknown) => e instanceof JsonDuplicateKeyError && e.key === key && e.path === path && e.code === 'ERR_JSON_DUPLICATE_KEY');
    });
  }

  const accepted: [string, string][] = [
    ['distinct keys', '{"a":1,"b":2}'],
    ['the same key in sibling objects', '[{"a":1},{"a":2}]'],
    ['the same key at different depths', '{"a":{"a":{"a":1}}}'],
    ['keys differing only in case', '{"a":1,"A":2}'],
    ['a value equal to a key', '{"a":"a","b":"a"}'],
    ['strings with escaped backslashes before the quote', '{"a":"x\\\\","b":"\\\\\\"","c":1}'],
    ['scalars and arrays', '[1,"a","a",null,true,{"a":[1,{"a":2}]}]'],
    ['a number', '42'],
    ['a string', '"a"'],
    ['the empty object', '{}'],
  ];
  for (const [name, text] of accepted) {
    it(`accepts ${name}`, () => assert.deepEqual(parseJsonStrict(text), JSON.parse(text)));
  }

  it('leaves syntax errors to JSON.parse', () => assert.throws(() => parseJsonStrict('{"a":1,'), SyntaxError));

  it('finds nothing in a large document without duplicates, and the duplicate after a long value', () => {
    const big = JSON.stringify({ v: 1, entry: 'A'.repeat(1_400_000), items: Array.from({ length: 2000 }, (_, i) => ({ i, s: `x${i}` })) });
    assert.equal(findDuplicateKey(big), undefined);
    assert.deepEqual(findDuplicateKey(big.slice(0, -1) + ',"v":2}'), { key: 'v', path: '$' });
  });
});
