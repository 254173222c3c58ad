/**
 * `scitt sign` (a signed statement about a collection) and `scitt revoke` (a revocation
 * statement for entries of the same issuer and subject).
 */
import type { Command } from 'commander';
import { decodeSign1, toHex } from '../../cose/src/index.js';
import { parseCollectionReference } from '../../oci/src/index.js';
import { entryIdOf, toEntry } from '../../receipt/src/index.js';
import { ledgerToken, collect, ledgerUrl, type CliContext } from './cli.context.js';
import { usage } from './cli.errors.js';
import { loadCertificates, loadPrivateKey, parseKey, readInput, type LoadedKey } from './key.files.js';
import { checkEntryId, LedgerClient } from './ledger.client.js';
import { buildRevocation, buildStatement, statementFacts } from './statement.builder.js';

type Ctx = (cmd: Command) => CliContext;

const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;.*)?$/;

/** Checks a collection subject; returns it normalised (no `oci://`). */
export function checkSubject(subject: string): string {
  try {
    const r = parseCollectionReference(subject);
    return `${r.registry}/${r.repository}@${r.digest}`;
  } catch (e) {
    throw usage(`couldn't use --subject ${JSON.stringify(subject)}: want a collection reference registry/repo@sha256:<64 hex> (${(e as Error).message.replace(/^couldn't parse OCI reference "[^"]*": /, '')})`, e);
  }
}

function checkIssuer(iss: string): string {
  if (iss.trim() === '' || /\s/.test(iss)) throw usage(`couldn't use --issuer ${JSON.stringify(iss)}: want an identifier without spaces (e.g. https://vendor.example)`);
  return iss;
}

function x5chainOf(files: string[] | undefined, key: LoadedKey): Uint8Array[] | undefined {
  if (!files || files.length === 0) return undefined;
  const chain = files.flatMap((f) => loadCertificates(f));
  const leafKey = parseKey(chain[0]!, files[0]!).kid;
  if (toHex(leafKey) !== toHex(key.kid)) throw usage(`couldn't use --x5chain ${files[0]}: its first certificate is not for the signing key (kid ${toHex(leafKey)} ≠ ${toHex(key.kid)})`);
  return chain;
}

function report(c: CliContext, statement: Uint8Array, written: string, extra: Record<string, unknown> = {}): void {
  const s = decodeSign1(statement);
  const f = statementFacts(s);
  const entryId = entryIdOf(toEntry(statement).entry);
  c.out.result(
    { entryId, iss: f.iss, sub: f.sub, contentType: f.contentType, ...(f.hashEnvelope ? { hashEnvelope: f.hashEnvelope } : {}), ...(f.kid ? { kid: f.kid } : { x5chain: f.x5chain?.length ?? 0 }), file: written, size: statement.length, ...extra },
    () => (written === '-' ? [] : [`signed statement ${entryId} written to ${written} (${f.contentType}${f.hashEnvelope ? ', hash envelope' : ''}, issuer ${f.iss}, subject ${f.sub})`]),
  );
}

export function registerSignCommands(program: Command, ctx: Ctx): void {
  program
    .command('sign')
    .description('sign a statement (claim) about a collection: an attestation, SBOM, scan result … as COSE_Sign1')
    .requiredOption('--key <file>', 'issuer private key (from `scitt key generate`)')
    .requiredOption('--issuer <iss>', 'issuer identifier (CWT iss), e.g. https://vendor.example')
    .requiredOption('--subject <ref>', 'the collection: registry/repo@sha256:<digest>')
    .requiredOption('--payload <file>', 'the claim: in-toto, SPDX, CycloneDX, scan result, any bytes')
    .requiredOption('--content-type <type>', 'media type of the payload, e.g. application/spdx+json')
    .option('--hash-envelope', 'sign SHA-256(payload) as a hash envelope (258/259) instead of the payload itself')
    .option('--location <url>', 'where the payload can be fetched (hash envelope label 260)')
    .option('--x5chain <pem>', 'identify the key by this certificate chain (leaf first; repeatable) instead of kid', collect)
    .option('--supersedes <entry-id>', 'the earlier entry this claim replaces (same collection; yours, or an issuer the ledger policy lets you supersede)')
    .option('--out <file>', 'where to write the signed statement (default stdout when not a terminal)')
    .action(async (o: { key: string; issuer: string; subject: string; payload: string; contentType: string; hashEnvelope?: boolean; location?: string; x5chain?: string[]; supersedes?: string; out?: string }, cmd: Command) => {
      const c = ctx(cmd);
      if (!MEDIA_TYPE.test(o.contentType)) throw usage(`couldn't use --content-type ${JSON.stringify(o.contentType)}: not a media type (type/subtype)`);
      if (o.location && !o.hashEnvelope) throw usage("couldn't use --location: it only applies to --hash-envelope statements");
      const key = loadPrivateKey(o.key);
      const statement = await buildStatement({
        key,
        issuer: checkIssuer(o.issuer),
        subject: checkSubject(o.subject),
        payload: readInput(o.payload, 'payload'),
        contentType: o.contentType,
        hashEnvelope: Boolean(o.hashEnvelope),
        ...(o.location ? { location: o.location } : {}),
        ...(o.x5chain ? { x5chain: x5chainOf(o.x5chain, key)! } : {}),
        ...(o.supersedes !== undefined ? { supersedes: checkEntryId(o.supersedes) } : {}),
        iat: Math.floor(c.now().getTime() / 1000),
      });
      report(c, statement, c.out.writeBinary(statement, o.out, 'the signed statement'), o.supersedes !== undefined ? { supersedes: o.supersedes } : {});
    });

  program
    .command('revoke')
    .description('sign a revocation statement for entries (same issuer key, same subject as the revoked claims)')
    .argument('<entry-id...>', 'entry ids of the claims to revoke')
    .requiredOption('--reason <text>', 'why (1–1024 characters)')
    .requiredOption('--key <file>', 'the issuer private key that signed the revoked claims')
    .option('--issuer <iss>', 'issuer identifier (default: the revoked claims\' issuer, read from --ledger)')
    .option('--subject <ref>', 'the collection (default: the revoked claims\' subject, read from --ledger)')
    .option('--ledger <url>', 'ledger to read the revoked claims from (or SCITT_LEDGER)')
    .option('--token <token>', 'bearer credential for a ledger whose reads need one (or SCITT_TOKEN)')
    .option('--x5chain <pem>', 'identify the key by this certificate chain (repeatable)', collect)
    .option('--out <file>', 'where to write the revocation statement (default stdout when not a terminal)')
    .action(async (ids: string[], o: { reason: string; key: string; issuer?: string; subject?: string; ledger?: string; token?: string; x5chain?: string[]; out?: string }, cmd: Command) => {
      const c = ctx(cmd);
      const revokes = [...new Set(ids.map(checkEntryId))];
      if (o.reason.length === 0 || o.reason.length > 1024) throw usage("couldn't use --reason: want 1–1024 characters");
      const key = loadPrivateKey(o.key);
      let issuer = o.issuer;
      let subject = o.subject;
      if ((!issuer || !subject) && (o.ledger || c.env.SCITT_LEDGER)) {
        const base = ledgerUrl(o.ledger, c.env);
        const token = ledgerToken(o.token, c.env, base);
        const client = new LedgerClient(base, token ? { token } : {});
        const seen = new Map<string, string>();
        for (const id of revokes) {
          const f = statementFacts(decodeSign1(await client.transparentStatement(id)));
          seen.set(`${f.iss}\n${f.sub}`, id);
          issuer ??= f.iss;
          subject ??= f.sub;
        }
        if (seen.size > 1) throw usage("couldn't revoke: the entries have different issuers or subjects; revoke each group separately (a revocation is published next to one collection)");
      }
      if (!issuer || !subject) throw usage("couldn't revoke: give --issuer and --subject, or --ledger to read them from the revoked claims");
      const statement = await buildRevocation({
        key,
        issuer: checkIssuer(issuer),
        subject: checkSubject(subject),
        revokes,
        reason: o.reason,
        ...(o.x5chain ? { x5chain: x5chainOf(o.x5chain, key)! } : {}),
        iat: Math.floor(c.now().getTime() / 1000),
      });
      report(c, statement, c.out.writeBinary(statement, o.out, 'the revocation statement'), { revokes, reason: o.reason });
    });
}
