/**
 * The service signing key: generated on first start under the data directory (file mode 0600,
 * never overwritten) or loaded from SERVICE_KEY_FILE (a private JWK, or a PKCS#8 PEM).
 * kid = RFC 9679 COSE key thumbprint of the public key.
 */
import { createPrivateKey, sign as signNow, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';
import {
  Alg,
  coseKeyThumbprint,
  coseKeyToJwk,
  jwkToCoseKey,
  nodeCryptoBackend,
  publicKey,
  type CoseKey,
  type JsonWebKey,
} from '../../libs/cose/src/index.js';
import { signCheckpoint } from '../../libs/receipt/src/index.js';
import { parseJsonStrict } from '../../libs/ledger/src/index.js';
import type { CheckpointSigner } from './sequencer.js';

const ALG_IDS = { ES256: Alg.ES256, ES384: Alg.ES384, EdDSA: Alg.EdDSA } as const;

export interface ServiceKey {
  readonly alg: number;
  readonly kid: Uint8Array;
  readonly privateKey: CoseKey;
  readonly publicKey: CoseKey;
}

/** The receipt algorithm for a key: P-256 → ES256, P-384 → ES384, Ed25519 → EdDSA; anything else is refused. */
function algOf(key: CoseKey): number {
  if (key.kty === 1 && key.crv === 6) return Alg.EdDSA;
  if (key.kty === 2 && key.crv === 1) return Alg.ES256;
  if (key.kty === 2 && key.crv === 2) return Alg.ES384;
  throw new Error(`couldn't use the service key: only P-256, P-384 and Ed25519 keys can sign receipts (got kty ${key.kty}, crv ${key.crv})`);
}

function fromPrivate(k: CoseKey): ServiceKey {
  if (!k.d) throw new Error("couldn't load the service key: it has no private part");
  const alg = algOf(k);
  const pub = publicKey(k);
  const kid = coseKeyThumbprint(pub);
  return { alg, kid, privateKey: { ...k, kid, alg }, publicKey: { ...pub, kid, alg } };
}

function loadFile(path: string): ServiceKey {
  const text = readFileSync(path, 'utf8');
  if (text.includes('-----BEGIN')) {
    const jwk = createPrivateKey(text).export({ format: 'jwk' });
    return fromPrivate(jwkToCoseKey(jwk as JsonWebKey));
  }
  const doc = parseJsonStrict(text) as { jwk?: JsonWebKey } & JsonWebKey;
  return fromPrivate(jwkToCoseKey(doc.jwk ?? doc));
}

/** Create `path` (never overwriting) and fsync it and its directory before returning. */
export function writeDurably(path: string, text: string, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** Load the configured key, or the one under dataDir, or generate it there on first start. */
export async function loadOrCreateServiceKey(opts: { dataDir: string; keyFile?: string; alg: keyof typeof ALG_IDS }): Promise<ServiceKey> {
  const logger = new Logger('service-key');
  if (opts.keyFile) return loadFile(opts.keyFile);
  const path = join(opts.dataDir, 'service-key.json');
  try {
    return loadFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = await nodeCryptoBackend.generateKey(ALG_IDS[opts.alg]);
  mkdirSync(dirname(path), { recursive: true });
  // 'wx': never overwrite a key that appeared meanwhile (another process, a restore).
  writeDurably(path, JSON.stringify({ jwk: coseKeyToJwk(key), createdAt: new Date().toISOString() }, null, 2) + '\n', 0o600);
  const sk = fromPrivate(key);
  logger.log(`generated service key ${Buffer.from(sk.kid).toString('hex')} (${opts.alg}) at ${path}`);
  return sk;
}

/**
 * Signs checkpoints with the service key as RFC 9942 receipt headers (iss = service, sub = log id).
 *
 * One signature per batch, computed synchronously on the event loop (≈ 50 µs for ES256): the
 * libuv threadpool is busy verifying statements, and a checkpoint queued behind them waited
 * ≈ 12 ms per batch under load (measured), which stalled the sequencer.
 */
export function checkpointSigner(key: ServiceKey, issuer: string, logId: string): CheckpointSigner {
  const signSync = serviceSigner(key);
  return {
    sign: (root, _treeSize, now) =>
      signCheckpoint({
        root,
        issuer,
        logId,
        iat: Math.floor(now.getTime() / 1000),
        alg: key.alg,
        kid: key.kid,
        sign: async (tbs) => signSync(tbs),
      }),
  };
}

/**
 * A synchronous COSE signer with the service key (raw signature: IEEE P1363 r‖s for ECDSA), for
 * checkpoints and status statements.
 */
export function serviceSigner(key: ServiceKey): (toBeSigned: Uint8Array) => Uint8Array {
  const jwk = coseKeyToJwk(key.privateKey) as Record<string, unknown>;
  delete jwk.kid;
  delete jwk.alg;
  const keyObject: KeyObject = createPrivateKey({ key: jwk as never, format: 'jwk' });
  const hash = key.alg === Alg.ES384 ? 'sha384' : key.alg === Alg.ES256 ? 'sha256' : null;
  return (tbs) => new Uint8Array(signNow(hash, tbs, hash ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : keyObject));
}
