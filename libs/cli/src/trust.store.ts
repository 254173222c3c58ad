/**
 * The trust file: the ledger keys a consumer trusts, fetched once with `scitt trust fetch` from
 * `/.well-known/scitt-keys` and then used offline. JSON:
 * `{"version":1,"ledgers":[{"name","url","keys":[{"kid":hex,"coseKey":base64url}],"fetchedAt"}]}`.
 * A raw COSE Key Set (CBOR) file is accepted wherever a trust file is.
 */
import { mkdirSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { coseKeyThumbprint, decodeCoseKey, decodeCoseKeySet, encodeCoseKey, toHex, type CoseKey } from '../../cose/src/index.js';
import { badInput } from './cli.errors.js';
import { looksLike, readInput, sniff } from './input.sniff.js';

/** One trusted ledger. */
export interface TrustedLedger {
  /** A short name (default: the URL's host), usable in `--require ledger=<name>`. */
  name: string;
  url?: string;
  keys: CoseKey[];
  fetchedAt?: string;
}

/** A key of a trusted ledger, by kid. */
export interface TrustedKey {
  key: CoseKey;
  ledger: TrustedLedger;
}

interface TrustFileJson {
  version: 1;
  ledgers: { name: string; url?: string; keys: { kid: string; coseKey: string }[]; fetchedAt?: string }[];
}

/** `$SCITT_TRUST_FILE`, else `$XDG_CONFIG_HOME/scitt/trust.json`, else `~/.config/scitt/trust.json`. */
export function defaultTrustFile(env: Readonly<Record<string, string | undefined>>): string {
  if (env.SCITT_TRUST_FILE) return env.SCITT_TRUST_FILE;
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'scitt', 'trust.json');
}

/** The set of trusted ledgers, with key lookup by kid (the receipt's kid: RFC 9679 thumbprint or the key's own kid). */
export class TrustStore {
  constructor(readonly ledgers: TrustedLedger[] = []) {}

  /** Finds the key a receipt names. */
  keyFor(kid: Uint8Array): TrustedKey | undefined {
    const hex = toHex(kid);
    for (const ledger of this.ledgers) {
      for (const key of ledger.keys) {
        if ((key.kid && toHex(key.kid) === hex) || toHex(coseKeyThumbprint(key)) === hex) return { key, ledger };
      }
    }
    return undefined;
  }

  /** Adds or replaces (by name) a ledger. */
  upsert(l: TrustedLedger): void {
    const i = this.ledgers.findIndex((x) => x.name === l.name);
    if (i >= 0) this.ledgers[i] = l;
    else this.ledgers.push(l);
  }

  toJson(): TrustFileJson {
    return {
      version: 1,
      ledgers: this.ledgers.map((l) => ({
        name: l.name,
        ...(l.url ? { url: l.url } : {}),
        keys: l.keys.map((k) => ({ kid: toHex(coseKeyThumbprint(k)), coseKey: Buffer.from(encodeCoseKey(k)).toString('base64url') })),
        ...(l.fetchedAt ? { fetchedAt: l.fetchedAt } : {}),
      })),
    };
  }
}

/** Parses a trust file (JSON) or a COSE Key Set (CBOR). */
export function parseTrust(bytes: Uint8Array, source: string): TrustedLedger[] {
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === 0x7b) {
    let j: TrustFileJson;
    try {
      j = JSON.parse(new TextDecoder().decode(bytes)) as TrustFileJson;
      if (j.version !== 1 || !Array.isArray(j.ledgers)) throw new Error('want {"version":1,"ledgers":[…]}');
      return j.ledgers.map((l, i) => {
        if (typeof l.name !== 'string' || !Array.isArray(l.keys)) throw new Error(`ledgers[${i}] needs a name and keys`);
        return {
          name: l.name,
          ...(typeof l.url === 'string' ? { url: l.url } : {}),
          keys: l.keys.map((k) => decodeCoseKey(new Uint8Array(Buffer.from(k.coseKey, 'base64url')))),
          ...(typeof l.fetchedAt === 'string' ? { fetchedAt: l.fetchedAt } : {}),
        };
      });
    } catch (e) {
      throw badInput(`couldn't read trust file ${source}: ${(e as Error).message}`, e);
    }
  }
  const kind = sniff(bytes);
  if (kind !== 'cbor') throw badInput(`couldn't read trust file ${source}: neither a scitt trust file (JSON) nor a COSE Key Set (CBOR) (${looksLike(bytes)})`);
  try {
    return [{ name: source, keys: decodeCoseKeySet(bytes) }];
  } catch (e) {
    throw badInput(`couldn't read trust file ${source}: neither a scitt trust file (JSON) nor a COSE Key Set (CBOR): ${(e as Error).message}`, e);
  }
}

/** Loads trust files; a missing default file gives an empty store. */
export function loadTrust(files: readonly string[]): TrustStore {
  const store = new TrustStore();
  for (const f of files) for (const l of parseTrust(readInput(f, 'trust file'), f)) store.ledgers.push(l);
  return store;
}

/** Loads a trust file for update (absent ⇒ empty). */
export function loadTrustFileForUpdate(path: string): TrustStore {
  return existsSync(path) ? loadTrust([path]) : new TrustStore();
}

/** Writes a trust file atomically (temp + rename). */
export function saveTrust(path: string, store: TrustStore): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(store.toJson(), null, 2) + '\n');
    renameSync(tmp, path);
  } catch (e) {
    throw badInput(`couldn't write trust file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, e);
  }
}
