/**
 * Bounded, strict reading of a JSON payload and typed access to its fields with JSON-pointer
 * paths in every error. Decoding is fatal on invalid UTF-8 and keeps a leading BOM (so JSON.parse
 * refuses it: RFC 8259 §8.1); duplicate member names are refused by the ledger's strict reader
 * (two parsers must never read one signed document differently); nesting depth is checked by a
 * linear scan before the value is walked.
 */
import { JsonDuplicateKeyError, parseJsonStrict } from '../../ledger/src/strict-json.js';
import { ContentFormat, ContentFormatError, ContentLimitError } from './content.errors.js';
import { ContentLimits } from './content.model.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type JsonObject = Record<string, unknown>;

/** `$.a[1]."b c"` (strict-json's path) as a JSON pointer `/a/1/b c`. */
export function pointerOfPath(path: string): string {
  let out = '';
  let i = 1; // after '$'
  while (i < path.length) {
    if (path[i] === '[') {
      const end = path.indexOf(']', i);
      out += '/' + path.slice(i + 1, end);
      i = end + 1;
    } else if (path[i] === '.' && path[i + 1] === '"') {
      let j = i + 2;
      while (j < path.length && !(path[j] === '"' && path[j - 1] !== '\\')) j++;
      out += '/' + escapePointer(JSON.parse(path.slice(i + 1, j + 1)) as string);
      i = j + 1;
    } else {
      const m = /^\.([A-Za-z_$][\w$]*)/.exec(path.slice(i))!;
      out += '/' + m[1];
      i += m[0].length;
    }
  }
  return out;
}

export const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** The deepest nesting of objects/arrays in a valid JSON text, stopping early past `max`. Linear; strings are skipped. */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x22) {
      for (let j = i + 1; ; ) {
        const q = text.indexOf('"', j);
        if (q < 0) return false;
        let bs = 0;
        for (let k = q - 1; text.charCodeAt(k) === 0x5c; k--) bs++;
        if (bs % 2 === 0) {
          i = q;
          break;
        }
        j = q + 1;
      }
    }
  }
  return false;
}

/** Decode and parse a payload as strict, bounded JSON whose top level is an object. */
export function readJsonObject(format: ContentFormat, payload: Uint8Array, limits: ContentLimits): JsonObject {
  if (payload.byteLength > limits.maxBytes) throw new ContentLimitError(format, '', 'maxBytes', limits.maxBytes);
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch (e) {
    throw new ContentFormatError(format, '', 'not valid UTF-8', { cause: e });
  }
  let value: unknown;
  try {
    value = parseJsonStrict(text);
  } catch (e) {
    if (e instanceof JsonDuplicateKeyError) {
      throw new ContentFormatError(format, pointerOfPath(e.path), `the member ${JSON.stringify(e.key)} appears twice`, { cause: e });
    }
    throw new ContentFormatError(format, '', `not JSON (${(e as Error).message})`, { cause: e });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ContentFormatError(format, '', 'must be a JSON object');
  if (jsonDepthExceeds(text, limits.maxDepth)) throw new ContentLimitError(format, '', 'maxDepth', limits.maxDepth);
  return value as JsonObject;
}

/**
 * Typed field access for one format. Every accessor takes the value and its pointer, and throws
 * a {@link ContentFormatError} naming the pointer when the value is not what the format says.
 */
export class FieldReader {
  constructor(
    readonly format: ContentFormat,
    readonly limits: ContentLimits,
  ) {}

  fail(pointer: string, reason: string): never {
    throw new ContentFormatError(this.format, pointer, reason);
  }

  object(value: unknown, pointer: string): JsonObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(pointer, 'must be an object');
    return value as JsonObject;
  }

  string(value: unknown, pointer: string): string {
    if (typeof value !== 'string') this.fail(pointer, value === undefined ? 'is required' : 'must be a string');
    if (value.length === 0) this.fail(pointer, 'must not be empty');
    return value;
  }

  /** The member as a non-empty string, null when absent. */
  optString(obj: JsonObject, key: string, pointer: string): string | null {
    return obj[key] === undefined ? null : this.string(obj[key], `${pointer}/${escapePointer(key)}`);
  }

  /** The member as a non-empty string; required. */
  reqString(obj: JsonObject, key: string, pointer: string): string {
    return this.string(obj[key], `${pointer}/${escapePointer(key)}`);
  }

  /** An array of at most `max` items (the named limit), empty when absent and not required. */
  array(value: unknown, pointer: string, limit: keyof ContentLimits, opts: { required?: boolean; nonEmpty?: boolean } = {}): readonly unknown[] {
    if (value === undefined && !opts.required) return [];
    if (!Array.isArray(value)) this.fail(pointer, value === undefined ? 'is required' : 'must be an array');
    if (opts.nonEmpty && value.length === 0) this.fail(pointer, 'must not be empty');
    if (value.length > this.limits[limit]) throw new ContentLimitError(this.format, pointer, limit, this.limits[limit]);
    return value;
  }

  /** Counts items against a document-wide bound (e.g. nested components). */
  count(total: number, pointer: string, limit: keyof ContentLimits): void {
    if (total > this.limits[limit]) throw new ContentLimitError(this.format, pointer, limit, this.limits[limit]);
  }

  oneOf<T extends string>(value: unknown, pointer: string, allowed: readonly T[]): T {
    const s = this.string(value, pointer);
    if (!(allowed as readonly string[]).includes(s)) this.fail(pointer, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(s)})`);
    return s as T;
  }
}
