/**
 * Strict JSON: `JSON.parse` keeps the last of two equal keys (`{"revokes":[a],"revokes":[b]}`
 * reads as `[b]`), while other parsers keep the first or refuse. A signed payload that two
 * verifiers read differently is how signed-content attacks start, so every JSON document the
 * ledger interprets goes through {@link parseJsonStrict}: valid JSON (RFC 8259) whose objects
 * have unique member names, compared after unescaping (`"a"` and `"\u0061"` are the same name).
 */

export class JsonDuplicateKeyError extends Error {
  readonly code = 'ERR_JSON_DUPLICATE_KEY';
  constructor(
    readonly key: string,
    /** the member names leading to the object holding the duplicate, e.g. `$.issuers[1]` */
    readonly path: string,
  ) {
    super(`couldn't parse JSON: the object at ${path} has the member ${JSON.stringify(key)} twice`);
    this.name = 'JsonDuplicateKeyError';
  }
}

type Frame = { readonly kind: 'object'; readonly keys: Set<string>; expectKey: boolean; path: string; key: string } | { readonly kind: 'array'; index: number; path: string };

/** The index of the quote that closes the string opened at `open` (the text is valid JSON). */
function stringEnd(text: string, open: number): number {
  let j = open + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) return text.length;
    let backslashes = 0;
    for (let k = q - 1; k > open && text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return q;
    j = q + 1;
  }
}

const childPath = (f: Frame | undefined): string =>
  f === undefined ? '$' : f.kind === 'array' ? `${f.path}[${f.index}]` : `${f.path}.${/^[A-Za-z_$][\w$]*$/.test(f.key) ? f.key : JSON.stringify(f.key)}`;

/**
 * The first duplicate member name in a JSON text that `JSON.parse` accepts, or undefined.
 * Linear in the text; long strings are skipped with `indexOf`, so a 1 MB base64 value costs little.
 * @example findDuplicateKey('{"a":1,"\\u0061":2}') // { key: 'a', path: '$' }
 */
export function findDuplicateKey(text: string): { key: string; path: string } | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 0x7b /* { */) {
      stack.push({ kind: 'object', keys: new Set(), expectKey: true, path: childPath(top), key: '' });
    } else if (c === 0x5b /* [ */) {
      stack.push({ kind: 'array', index: 0, path: childPath(top) });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      if (top?.kind === 'object') top.expectKey = true;
      else if (top?.kind === 'array') top.index++;
    } else if (c === 0x3a /* : */) {
      if (top?.kind === 'object') top.expectKey = false;
    } else if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      if (top?.kind === 'object' && top.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.keys.has(key)) return { key, path: top.path };
        top.keys.add(key);
        top.key = key;
      }
      i = end;
    }
  }
  return undefined;
}

/**
 * `JSON.parse`, refusing duplicate member names ({@link JsonDuplicateKeyError}). Syntax errors are
 * `JSON.parse`'s own `SyntaxError`.
 * @example parseJsonStrict('{"revokes":["…"],"revokes":[]}') // throws JsonDuplicateKeyError
 */
export function parseJsonStrict(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (typeof value === 'object' && value !== null) {
    const dup = findDuplicateKey(text);
    if (dup) throw new JsonDuplicateKeyError(dup.key, dup.path);
  }
  return value;
}
