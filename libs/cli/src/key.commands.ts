/**
 * `scitt key generate` and `scitt key show`: issuer keys (ES256 default, ES384, Ed25519) in PEM,
 * JWK or COSE_Key, kid = RFC 9679 thumbprint, and a self-signed certificate for `--x5chain`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { coseKeyThumbprint, nodeCryptoBackend, toHex } from '../../cose/src/index.js';
import { createCertificate } from '../../x509/src/index.js';
import type { CliContext } from './cli.context.js';
import { badInput, usage } from './cli.errors.js';
import { certificatePem, formatKey, KEY_ALGS, KEY_FORMATS, keyObjectOf, loadKey, type KeyFormat, type LoadedKey } from './key.files.js';
import { algLabel } from './statement.builder.js';

type Ctx = (cmd: Command) => CliContext;

function writeNew(path: string, bytes: Uint8Array | string, force: boolean, mode?: number): void {
  if (!force && existsSync(path)) throw usage(`couldn't write ${path}: it exists (use --force to overwrite)`);
  try {
    writeFileSync(path, bytes, mode === undefined ? {} : { mode });
  } catch (e) {
    throw badInput(`couldn't write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, e);
  }
}

/** What `key show` / `key generate` report about a key (no private part). */
export function describeKey(k: LoadedKey): Record<string, unknown> {
  return {
    kid: toHex(k.kid),
    alg: algLabel(k.alg),
    jwk: JSON.parse(new TextDecoder().decode(formatKey(k, 'jwk', false))),
    coseKey: Buffer.from(formatKey(k, 'cose', false)).toString('base64url'),
    pem: new TextDecoder().decode(formatKey(k, 'pem', false)),
    ...(k.certificate ? { certificate: certificatePem(k.certificate) } : {}),
  };
}

export function registerKeyCommands(program: Command, ctx: Ctx): void {
  const key = program.command('key').description('issuer keys: generate, show');

  key
    .command('generate')
    .description('generate an issuer signing key (and optionally a self-signed certificate for --x5chain)')
    .requiredOption('--out <file>', 'where to write the private key')
    .addOption(new Option('--alg <alg>', 'signature algorithm').choices(['ES256', 'ES384', 'Ed25519']).default('ES256'))
    .addOption(new Option('--format <format>', 'private key file format').choices([...KEY_FORMATS]).default('pem'))
    .option('--public-out <file>', 'also write the public key (same format)')
    .option('--cert <file>', 'also write a self-signed X.509 certificate of the key (PEM), for `scitt sign --x5chain`')
    .option('--certificate', 'same as --cert <out>.crt')
    .option('--cert-subject <cn>', 'certificate subject common name', 'scitt issuer')
    .option('--cert-days <n>', 'certificate validity in days', '365')
    .option('--force', 'overwrite existing files')
    .action(async (o: { out: string; alg: string; format: KeyFormat; publicOut?: string; cert?: string; certificate?: boolean; certSubject: string; certDays: string; force?: boolean }, cmd: Command) => {
      const c = ctx(cmd);
      if (o.certificate && !o.cert) o.cert = `${o.out}.crt`;
      const days = Number(o.certDays);
      if (!Number.isSafeInteger(days) || days < 1 || days > 36500) throw usage(`couldn't use --cert-days ${o.certDays}: want a whole number of days from 1 to 36500`);
      const alg = KEY_ALGS[o.alg]!;
      const generated = await nodeCryptoBackend.generateKey(alg);
      const loaded: LoadedKey = { key: { ...generated, kid: undefined, alg }, alg, kid: coseKeyThumbprint(generated), source: o.out };
      writeNew(o.out, formatKey(loaded, o.format, true), Boolean(o.force), 0o600);
      if (o.publicOut) writeNew(o.publicOut, formatKey(loaded, o.format, false), Boolean(o.force));
      if (o.cert) {
        const ko = keyObjectOf(loaded.key);
        const notBefore = new Date(c.now().getTime() - 60_000);
        const der = createCertificate({ subjectKey: ko, issuerKey: ko, subject: o.certSubject, notBefore, notAfter: new Date(notBefore.getTime() + days * 86_400_000) });
        writeNew(o.cert, certificatePem(der), Boolean(o.force));
        loaded.certificate = der;
      }
      c.out.result({ ...describeKey(loaded), keyFile: o.out, ...(o.publicOut ? { publicKeyFile: o.publicOut } : {}), ...(o.cert ? { certificateFile: o.cert } : {}) }, () => [
        `kid ${toHex(loaded.kid)}`,
        `alg ${algLabel(alg)}; private key written to ${o.out}${o.publicOut ? `, public key to ${o.publicOut}` : ''}${o.cert ? `, certificate to ${o.cert}` : ''}`,
      ]);
    });

  key
    .command('show')
    .description('show a key (private, public or certificate file): kid (RFC 9679 thumbprint) and the public key')
    .argument('<file>', 'key or certificate file (PEM, JWK or COSE_Key)')
    .addOption(new Option('--format <format>', 'how to print the public key').choices([...KEY_FORMATS]).default('jwk'))
    .option('--out <file>', 'write the public key in --format to a file instead of printing it')
    .action(async (file: string, o: { format: KeyFormat; out?: string }, cmd: Command) => {
      const c = ctx(cmd);
      const k = loadKey(file);
      const bytes = formatKey(k, o.format, false);
      if (o.out) writeNew(o.out, bytes, true);
      c.out.result({ ...describeKey(k), private: Boolean(k.key.d), ...(o.out ? { written: o.out } : {}) }, () => {
        const lines = [`kid ${toHex(k.kid)}`, `alg ${algLabel(k.alg)}${k.key.d ? ' (private key file)' : ''}${k.certificate ? ' (certificate)' : ''}`];
        if (!o.out) lines.push(o.format === 'cose' ? toHex(bytes) : new TextDecoder().decode(bytes).trimEnd());
        return lines;
      });
    });
}

