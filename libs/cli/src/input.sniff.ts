/**
 * What an input file looks like, before we hand it to a strict decoder — so that a user who gives
 * an SBOM where a statement belongs hears "not a COSE signed statement (looks like JSON)", not a
 * CBOR length error, and a damaged certificate file is described in our words, not OpenSSL's.
 * Every command that reads COSE or certificates goes through {@link readCoseFile} /
 * {@link certificatesFrom}; all of them are input errors (exit 2).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeSign1 } from '../../cose/src/index.js';
import { badInput } from './cli.errors.js';

/** Reads a file, with a one-line error naming it. */
export function readInput(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw badInput(`couldn't read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? (e as Error).message)}`, e);
  }
}

export type InputKind = 'empty' | 'json' | 'pem' | 'text' | 'cose-sign1' | 'cbor' | 'der' | 'binary';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function asText(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes.subarray(0, 4096));
  } catch {
    return undefined;
  }
}

/** C0 control characters other than tab, newline, vertical tab, form feed, carriage return: not text. */
function hasControlCharacters(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x08 || (c >= 0x0e && c <= 0x1f)) return true;
  }
  return false;
}

/**
 * The kind of `bytes`, from their first bytes: a COSE_Sign1 (tag 18 + array of 4, or the bare
 * array), other CBOR, an ASN.1 SEQUENCE (DER), PEM, JSON, other text, empty, other binary.
 * @example sniff(new TextEncoder().encode('{"a":1}')) // 'json'
 */
export function sniff(bytes: Uint8Array): InputKind {
  if (bytes.length === 0) return 'empty';
  const b0 = bytes[0]!;
  if ((b0 === 0xd2 && bytes[1] === 0x84) || b0 === 0x84) return 'cose-sign1';
  const text = asText(bytes);
  if (text !== undefined && !hasControlCharacters(text.slice(0, 512))) {
    const t = text.trimStart().replace(/^\uFEFF/, '');
    if (t.length === 0) return 'empty';
    if (t.startsWith('-----BEGIN ')) return 'pem';
    if (t.startsWith('{') || t.startsWith('[')) return 'json';
    return 'text';
  }
  if (b0 === 0x30) return 'der';
  if (b0 >= 0x80 && b0 <= 0xdb) return 'cbor';
  return 'binary';
}

const LOOKS: Record<InputKind, string> = {
  empty: 'the file is empty',
  json: 'looks like JSON',
  pem: 'looks like PEM',
  text: 'looks like text',
  'cose-sign1': 'looks like COSE',
  cbor: 'looks like CBOR, but not a COSE_Sign1',
  der: 'looks like DER (ASN.1)',
  binary: 'looks like binary data of another format',
};

/** "looks like JSON" etc. for messages; PEM names its block type. */
export function looksLike(bytes: Uint8Array): string {
  const kind = sniff(bytes);
  if (kind === 'pem') {
    const type = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(asText(bytes) ?? '')?.[1];
    return type ? `looks like PEM (${type})` : LOOKS.pem;
  }
  return LOOKS[kind];
}

/**
 * Reads a file that must hold a COSE_Sign1 (a signed or transparent statement, a receipt) and
 * checks that it decodes strictly; anything else is an input error naming what it looks like.
 */
export function readCoseFile(path: string, what: string, noun = 'a COSE signed statement'): Uint8Array {
  const bytes = readInput(path, what);
  if (sniff(bytes) !== 'cose-sign1') throw badInput(`couldn't read ${what} ${path}: not ${noun} (${looksLike(bytes)})`);
  try {
    decodeSign1(bytes);
  } catch (e) {
    throw badInput(`couldn't read ${what} ${path}: a damaged COSE_Sign1: ${(e as Error).message}`, e);
  }
  return bytes;
}

/** Why DER bytes are not a certificate, in our words (never OpenSSL's). */
export function derProblem(der: Uint8Array): string {
  return outerProblem(der) ?? 'its ASN.1 structure is not an X.509 certificate';
}

/** A problem with the outer SEQUENCE (empty, not a SEQUENCE, bad or mismatched length), if any. */
function outerProblem(der: Uint8Array): string | undefined {
  if (der.length === 0) return 'it is empty';
  if (der[0] !== 0x30) return `it does not start with an ASN.1 SEQUENCE (${looksLike(der)})`;
  const b1 = der[1] ?? 0;
  let len = b1;
  let head = 2;
  if (b1 & 0x80) {
    const n = b1 & 0x7f;
    if (n === 0 || n > 4 || der.length < 2 + n) return 'its outer length is malformed';
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[2 + i]!;
    head = 2 + n;
  }
  if (head + len > der.length) return `it is truncated: the certificate declares ${head + len} bytes, the data has ${der.length}`;
  if (head + len < der.length) return `it has ${der.length - head - len} bytes after the certificate`;
  return undefined;
}

/** One certificate from DER, or an input error saying what is wrong. */
export function certificateFromDer(der: Uint8Array, where: string): X509Certificate {
  // OpenSSL ignores bytes after the certificate: we don't (two encodings of one file).
  const outer = outerProblem(der);
  if (outer) throw badInput(`couldn't read ${where}: not a DER X.509 certificate: ${outer}`);
  try {
    return new X509Certificate(der);
  } catch (e) {
    throw badInput(`couldn't read ${where}: not a DER X.509 certificate: ${derProblem(der)}`, e);
  }
}

/** Every certificate of a PEM or DER file's bytes, in order, as DER — or an input error in our words. */
export function certificatesFrom(bytes: Uint8Array, source: string): Uint8Array[] {
  const kind = sniff(bytes);
  if (kind === 'der') return [new Uint8Array(certificateFromDer(bytes, `certificate file ${source}`).raw)];
  if (kind !== 'pem' && kind !== 'text') throw badInput(`couldn't read certificates from ${source}: not a PEM or DER certificate file (${looksLike(bytes)})`);
  const text = new TextDecoder().decode(bytes);
  const begins = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1]!);
  if (begins.length === 0) throw badInput(`couldn't read certificates from ${source}: no PEM block (-----BEGIN CERTIFICATE-----) in it (${looksLike(bytes)})`);
  if (!begins.includes('CERTIFICATE')) throw badInput(`couldn't read certificates from ${source}: it holds a PEM ${begins[0]}, not a CERTIFICATE`);
  const blocks = [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)];
  if (blocks.length < begins.filter((b) => b === 'CERTIFICATE').length) throw badInput(`couldn't read certificates from ${source}: a CERTIFICATE block has no matching END line (truncated?)`);
  return blocks.map((m, i) => {
    const body = m[1]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
      throw badInput(`couldn't read certificates from ${source}: certificate ${i + 1} is damaged: its body is not base64`);
    }
    return new Uint8Array(certificateFromDer(new Uint8Array(Buffer.from(body, 'base64')), `certificate ${i + 1} of ${source}`).raw);
  });
}
